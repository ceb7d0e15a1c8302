/** `orange-identity validate <traffic.har>`: the validating proxy's checks, offline, on a recorded HAR file; its
 *  options here (and the ones the proxy shares), its work in run/validate.ts. */
import { AGGREGATE_LIMITS, FAIL_ON } from '../conformance/proxy/limits.js';
import { readBundle } from '../src/contract/load.js';
import type { Command, OptionSpec } from './command.js';
import { reportOptions } from './report-options.js';

/** The issuer of Orange's id_tokens, the contract's `x-oidc-issuer` (read from the bundle: the help loads no jose). */
const ORANGE_OIDC_ISSUER = readBundle('authentication-fr')['x-oidc-issuer'] as string;

/** The options the proxy and validate share: what counts, the issuer, the reports. */
export const JUDGE_OPTIONS: Record<string, OptionSpec> = {
  'fail-on': { type: 'string', value: `<${FAIL_ON.join('|')}>`, default: 'response', description: 'what makes an exchange a violation: its response (the target deviates), its request (the client does, unmatched traffic included), or either; findings that do not count are noted' },
  issuer: { type: 'string', value: '<url>', default: ORANGE_OIDC_ISSUER, description: 'the iss an id_token must carry' },
  ...reportOptions(`one test case per failed or noted exchange kept (the first ${AGGREGATE_LIMITS.perCheck} per operation and check, ${AGGREGATE_LIMITS.kept} in all), and one per operation for the rest`),
  quiet: { type: 'boolean', description: 'no line per exchange (the summary and the report are still printed)' },
};

export const validate: Command = {
  name: 'validate',
  summary: 'check the exchanges of a HAR file (recorded by the proxy, or by a browser) against the contract, offline',
  positionals: '<traffic.har>',
  options: JUDGE_OPTIONS,
  details: [
    'The same checks, reports and verdicts as the proxy gives live. The file is read as it streams; one cut short',
    '(the proxy killed, a full disk) is judged up to the cut, and a warning says where the cut is. Bodies still',
    'coded (Content-Encoding: gzip, deflate, br) are decoded. Exit codes: 0 no exchange violated the contract,',
    '1 one did, 2 bad arguments, a file that is no HAR, or a report that cannot be written.',
  ].join('\n'),
  run: (values, positionals) => import('./run/validate.js').then((m) => m.run(values, positionals)),
};
