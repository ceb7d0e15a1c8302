/** `orange-identity proxy` (also `npm run proxy`): a validating, recording proxy in front of a deployment; its options
 *  here, its work in run/proxy.ts, loaded when it runs. */
import { PROXY_LIMITS } from '../conformance/proxy/limits.js';
import type { Command } from './command.js';
import { JUDGE_OPTIONS } from './validate.js';

export const proxy: Command = {
  name: 'proxy',
  summary: 'forward traffic to a deployment unchanged, check every exchange against the contract live, and record it (HAR)',
  options: {
    upstream: { type: 'string', value: '<baseURL>', description: 'the origin to forward to (https://api.orange.com, a sandbox, a staging host)' },
    port: { type: 'string', value: '<port>', default: '4020', description: 'port to listen on (0 picks a free one)' },
    host: { type: 'string', value: '<host>', default: '127.0.0.1', description: 'address to listen on' },
    har: { type: 'string', value: '<traffic.har>', description: 'record every exchange, secrets redacted, in a HAR 1.2 file written entry by entry (readable even if the proxy is killed), complete on stop (its folder is created)' },
    ...JUDGE_OPTIONS,
    'rewrite-location': { type: 'boolean', description: "turn the upstream's origin into the proxy's in Location headers and discovery documents, so that a browser stays on the proxy through a whole code flow (off: nothing is rewritten)" },
    timeout: { type: 'string', value: '<ms>', default: String(PROXY_LIMITS.idleMs), description: 'how long the upstream may stay silent: then 504 (or its answer is cut, when it had begun)' },
    'answer-timeout': { type: 'string', value: '<ms>', default: String(PROXY_LIMITS.answerMs), description: "how long the upstream's whole answer may take: then 504 (or the answer is cut)" },
    'header-timeout': { type: 'string', value: '<ms>', default: String(PROXY_LIMITS.headersMs), description: 'how long a client may take to send its request headers: then 408, connection closed' },
    'max-body': { type: 'string', value: '<bytes>', default: String(PROXY_LIMITS.bodyBytes), description: 'the largest request body (413 past it) and answer body (cut past it)' },
    'summary-every': { type: 'string', value: '<seconds>', description: 'print a progress line (exchanges, rate, verdicts, HAR) on stderr every so many seconds' },
  },
  details: [
    'Prints one line per exchange as it is judged (operation, status, ok or the failed checks). On Ctrl-C (SIGINT) or',
    'SIGTERM it lets the exchanges in flight finish (1 s at most), completes the HAR, writes the reports and prints a',
    'summary per operation and per check, within about 2 s whatever the run length; the same signal twice within a',
    'second (npm and the terminal both send it) is one request; a later one stops at once, without the reports (exit',
    '130; the HAR then lacks its end, and validate still reads it). A request it cannot forward gets a 502 (504 past a',
    'time limit, 413 past the body limit) from the proxy itself. A judge that falls behind skips exchanges and says so;',
    'they are still recorded. Exit codes: 0 no exchange violated the contract, 1 one did, 2 bad arguments or',
    'configuration (a taken port, a HAR that cannot be opened), or a HAR or report that could not be written.',
  ].join('\n'),
  run: (values) => import('./run/proxy.js').then((m) => m.run(values)),
};
