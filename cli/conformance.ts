/** `orange-identity conformance`: replay every documented response and error of the contract against a target; its
 *  options here, its work in run/conformance.ts, loaded when it runs. */
import { SHIPPED_LOGINS } from '../conformance/login/index.js';
import { shippedProfiles } from '../conformance/profile-files.js';
import { API_SLUGS } from '../src/contract/load.js';
import type { Command } from './command.js';
import { reportOptions } from './report-options.js';

export const conformance: Command = {
  name: 'conformance',
  summary: 'replay every documented response and error of the contract against a target and report what deviates',
  options: {
    target: { type: 'string', value: '<baseURL>', description: 'base URL of the deployment to check (an origin, or an origin and the path prefix a gateway serves the APIs under); without it, a Prism mock is started and checked' },
    profile: { type: 'string', value: '<name|file>', description: `what the target needs: a shipped profile (${shippedProfiles().join(', ')}) or a profile file; required with --target (mock without one)` },
    api: { type: 'string', value: '<slug>', multiple: true, description: `check only this API (${API_SLUGS.join(', ')})` },
    grep: { type: 'string', value: '<pattern>', description: 'run only the cases whose id (as in the reports) matches this regular expression' },
    list: { type: 'boolean', description: 'list the cases the profile would run and the ones it would skip, with the reasons; send nothing' },
    login: { type: 'string', value: '<module|manual>', description: `get authorization codes through the login page: a login module run in chromium (${Object.keys(SHIPPED_LOGINS).join(', ')}, or the path of your own), or manual (open the printed URL, paste the callback URL on stdin)` },
    rate: { type: 'string', value: '<n>', description: 'at most n requests per second, across the concurrency (20 or 20/s); no limit by default' },
    timeout: { type: 'string', value: '<ms>', default: '10000', description: 'per request, until the whole response is read; a request that gets none fails its case, and the run goes on' },
    concurrency: { type: 'string', value: '<n>', default: '4', description: 'cases in flight at once' },
    ...reportOptions('one test case per case'),
    quiet: { type: 'boolean', description: 'no progress on stderr (the report is still printed)' },
  },
  details: [
    'Answers 429 and 503 are waited out (Retry-After, or an exponential backoff) and retried, at most 4 times per request',
    'and a minute per case: noted in the reports, never a verdict. Ctrl-C or SIGTERM stops the run, the mock it started',
    'and the browser of --login, and writes the reports with what was done.',
    '',
    'Exit codes: 0 no case failed, 1 a case failed, 2 bad arguments or configuration (invalid profile, a live target',
    'without --profile, unreachable target, a target that does not serve these APIs, a mock that cannot start),',
    '130 or 143 stopped by SIGINT or SIGTERM (the reports are written).',
  ].join('\n'),
  run: (values) => import('./run/conformance.js').then((m) => m.run(values)),
};
