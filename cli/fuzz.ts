/** `orange-identity fuzz`: negative and property-based testing of a target, generated from the contract; its options
 *  here, its work in run/fuzz.ts, loaded when it runs. */
import { FUZZ_CHECKS } from '../conformance/fuzz/types.js';
import { MAX_RATE } from '../conformance/pacing.js';
import { shippedProfiles } from '../conformance/profile-files.js';
import { API_SLUGS } from '../src/contract/load.js';
import type { Command } from './command.js';
import { DEFAULT_TARGET_RATE, MAX_EXAMPLES, SHRINK_BUDGET } from './defaults.js';
import { reportOptions } from './report-options.js';

export const fuzz: Command = {
  name: 'fuzz',
  summary: 'send requests generated from the contract (valid, invalid, without or with bad credentials, linked sequences) and report what a target gets wrong',
  options: {
    target: { type: 'string', value: '<baseURL>', description: 'base URL of the deployment to fuzz; without it, an in-process sandbox is started and fuzzed' },
    profile: { type: 'string', value: '<name|file>', default: 'sandbox', description: `a shipped profile (${shippedProfiles().join(', ')}) or a profile file: credentials, subjects, keys` },
    api: { type: 'string', value: '<slug>', multiple: true, description: `fuzz only this API (${API_SLUGS.join(', ')})` },
    seed: { type: 'string', value: '<n>', description: 'seed of the generation: the same seed sends the same requests on the same contract (random by default, printed)' },
    'max-examples': { type: 'string', value: '<n>', default: '25', description: `examples per operation and phase, and stateful sequences per first operation (1 to ${MAX_EXAMPLES})` },
    rate: { type: 'string', value: '<n>/s', description: `requests per second at most (up to ${MAX_RATE}); ${DEFAULT_TARGET_RATE}/s against a --target, no limit in-process` },
    ...reportOptions('one test case per operation and check'),
  },
  details: [
    `Checks: ${FUZZ_CHECKS.join(', ')}.`,
    `Each distinct failure is shrunk (at most ${SHRINK_BUDGET} requests each) and printed with a curl reproducer, secrets redacted.`,
    'Ctrl-C or SIGTERM stops the run at its next request and writes the summary and the reports (again: at once).',
    'A 429 is waited out (Retry-After, or an exponential backoff) and never judged; a quota that does not lift stops the run.',
    'Exit codes: 0 no check failed, 1 a check failed, 2 bad arguments or configuration (invalid profile, unreachable',
    'target, a target that does not serve these APIs, a quota that did not lift), 130 (SIGINT) or 143 (SIGTERM) stopped',
    'before the end without a failure.',
  ].join('\n'),
  run: (values) => import('./run/fuzz.js').then((m) => m.run(values)),
};
