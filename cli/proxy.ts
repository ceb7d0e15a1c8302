/** `orange-identity proxy` (also `npm run proxy`): a validating, recording proxy in front of a deployment. */
import { startValidatingProxy, verdictLine } from '../conformance/proxy/index.js';
import { terminalText } from '../conformance/report/index.js';
import { ConfigError, UsageError, integerOption, type Command } from './command.js';
import { REPORT_FILES, prepareReportPaths } from './options.js';
import { untilStopped } from './signals.js';
import { JUDGE_OPTIONS, failOnOption, finishRun } from './validate.js';

/** `--upstream`: an http(s) origin; the contract's paths are absolute, so a path would be dropped silently. */
function upstreamOption(value: unknown): string {
  if (typeof value !== 'string') throw new UsageError('--upstream <baseURL> is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--upstream takes a URL, not '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--upstream takes an http or https URL, not '${value}'`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new UsageError(`--upstream takes an origin (${url.origin}): the contract's paths are absolute, and ${value} has more`);
  }
  return url.origin;
}

export const proxy: Command = {
  name: 'proxy',
  summary: 'forward traffic to a deployment unchanged, check every exchange against the contract live, and record it (HAR)',
  options: {
    upstream: { type: 'string', value: '<baseURL>', description: 'the origin to forward to (https://api.orange.com, a sandbox, a staging host)' },
    port: { type: 'string', value: '<port>', default: '4020', description: 'port to listen on (0 picks a free one)' },
    host: { type: 'string', value: '<host>', default: '127.0.0.1', description: 'address to listen on' },
    har: { type: 'string', value: '<traffic.har>', description: 'record every exchange, secrets redacted, in a HAR 1.2 file, complete on stop (its folder is created)' },
    ...JUDGE_OPTIONS,
    'rewrite-location': { type: 'boolean', description: "turn the upstream's origin into the proxy's in Location headers and discovery documents, so that a browser stays on the proxy through a whole code flow (off: nothing is rewritten)" },
    timeout: { type: 'string', value: '<ms>', default: '30000', description: 'how long the upstream may stay silent before the client gets a 504' },
  },
  details: [
    'Prints one line per exchange as it ends (operation, status, ok or the failed checks). On Ctrl-C (SIGINT) or',
    'SIGTERM it finishes the exchanges in flight, writes the HAR and the reports, and prints a summary per operation;',
    'the same signal twice within a second (npm and the terminal both send it) is one request; a later one stops at once. A request it cannot forward gets a 502 (504 on timeout) from the proxy itself.',
    'Exit codes: 0 no exchange violated the contract, 1 one did, 2 bad arguments or configuration (a taken port).',
  ].join('\n'),
  async run(values) {
    const upstream = upstreamOption(values.upstream);
    const port = integerOption(values, 'port', 0, 65535);
    const timeoutMs = integerOption(values, 'timeout', 1);
    const failOn = failOnOption(values);
    prepareReportPaths(values, ['har', ...REPORT_FILES]);
    let running;
    try {
      running = await startValidatingProxy({
        upstream, port, host: values.host as string, timeoutMs, failOn, issuer: values.issuer as string, rewriteLocation: values['rewrite-location'] === true,
        ...(typeof values.har === 'string' ? { har: values.har } : {}),
        ...(values.quiet ? {} : { onVerdict: (v) => console.log(terminalText(verdictLine(v))) }),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new ConfigError(`cannot listen on ${values.host}:${port}: ${code} (choose another --port or --host)`);
      throw error;
    }
    console.error(`orange-identity proxy listening on ${running.url}, forwarding to ${upstream} (--fail-on ${failOn}${values['rewrite-location'] ? ', --rewrite-location' : ''}; Ctrl-C to stop and write the reports)`);
    await untilStopped({ onForce: (signal) => {
      console.error(`${signal} again: stopping without the reports`);
      process.exit(2);
    } });
    if (running.inFlight) console.error(`stopping: finishing ${running.inFlight} exchange${running.inFlight > 1 ? 's' : ''} in flight`);
    const run = await running.stop();
    if (typeof values.har === 'string') console.error(`HAR (${run.verdicts.length} exchanges): ${values.har}`);
    return finishRun(values, run.report);
  },
};
