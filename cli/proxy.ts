/** `orange-identity proxy` (also `npm run proxy`): a validating, recording proxy in front of a deployment. */
import { HarOpenError, PROXY_LIMITS, startValidatingProxy, type ProxyProgress, type ValidatingProxy } from '../conformance/proxy/index.js';
import { ConfigError, UsageError, integerOption, type Command, type Values } from './command.js';
import { REPORT_FILES, prepareReportPaths } from './options.js';
import { listenForStop } from './signals.js';
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

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** One progress line: exchanges and rate, verdicts, what the judge skipped, the HAR, what is in flight. */
function progressLine(now: ProxyProgress, before: { exchanges: number; at: number }, at: number): string {
  const { counts, har } = now;
  const rate = Math.round(((now.exchanges - before.exchanges) * 1000) / Math.max(1, at - before.at));
  const judged = counts.exchanges - counts.unjudged;
  const recording = har ? `; HAR ${har.written.entries} entries (${mib(har.written.bytes)})${har.failure ? `, writing FAILED: ${har.failure}` : ''}` : '';
  return `proxy: ${now.exchanges} exchanges (${rate}/s lately); ${judged} judged: ${counts.ok} ok, ${counts.violations} violations, ${counts.skipped - counts.unjudged} skipped, ${counts.unjudged} not judged (the judge behind)${recording}; ${now.inFlight} in flight, ${now.timedOut} connections closed for slow requests`;
}

/** Prints a progress line every `seconds`; returns what stops it. */
function everySoOften(running: ValidatingProxy, seconds: number): () => void {
  let before = { exchanges: 0, at: performance.now() };
  const timer = setInterval(() => {
    const at = performance.now();
    const now = running.progress();
    console.error(progressLine(now, before, at));
    before = { exchanges: now.exchanges, at };
  }, seconds * 1000);
  return () => clearInterval(timer);
}

function limitOptions(values: Values) {
  return {
    idleMs: integerOption(values, 'timeout', 1),
    headersMs: integerOption(values, 'header-timeout', 1),
    answerMs: integerOption(values, 'answer-timeout', 1),
    bodyBytes: integerOption(values, 'max-body', 1),
  };
}

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
  async run(values) {
    const upstream = upstreamOption(values.upstream);
    const port = integerOption(values, 'port', 0, 65535);
    const limits = limitOptions(values);
    const summaryEvery = values['summary-every'] === undefined ? undefined : integerOption(values, 'summary-every', 1);
    const failOn = failOnOption(values);
    prepareReportPaths(values, ['har', ...REPORT_FILES]);
    const har = typeof values.har === 'string' ? values.har : undefined;
    let harFailed = false;
    let running: ValidatingProxy | undefined;
    const stop = listenForStop({ onForce: (signal) => {
      const held = running?.progress().har?.written.entries;
      console.error(`${signal} again: stopping at once, without the reports${har ? ` (${har} holds ${held ?? 0} entries and lacks its end: validate reads it)` : ''}`);
      process.exit(130);
    } });
    try {
      running = await startValidatingProxy({
        upstream, port, host: values.host as string, failOn, issuer: values.issuer as string, rewriteLocation: values['rewrite-location'] === true, limits,
        ...(har ? { har } : {}),
        ...(values.quiet ? {} : { onLine: (line) => console.log(line) }),
        onHarFailure: (message) => {
          harFailed = true;
          console.error(`error: ${message}; recording stopped (the HAR holds what was written before), forwarding and judging go on; exit code 2`);
        },
      });
    } catch (error) {
      stop.dispose();
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof HarOpenError) throw new ConfigError(`cannot write --har ${har}: ${error.message.replace(/^cannot write \S+: /, '')}`);
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new ConfigError(`cannot listen on ${values.host}:${port}: ${code} (choose another --port or --host)`);
      throw error;
    }
    console.error(`orange-identity proxy listening on ${running.url}, forwarding to ${upstream} (--fail-on ${failOn}${values['rewrite-location'] ? ', --rewrite-location' : ''}; Ctrl-C to stop and write the reports)`);
    const quiet = summaryEvery ? everySoOften(running, summaryEvery) : () => undefined;
    await stop.requested;
    quiet();
    if (running.inFlight) console.error(`stopping: finishing ${running.inFlight} exchange${running.inFlight > 1 ? 's' : ''} in flight`);
    const run = await running.stop();
    if (run.har) {
      const { written, lost, failure, path } = run.har;
      console.error(failure
        ? `HAR ${path}: ${written.entries} exchanges written (${written.bytes} bytes), ${lost} not (${failure}); the file lacks its end, and validate reads what it holds`
        : `HAR (${written.entries} exchanges): ${path}`);
    }
    const { kept, flow, secrets, placeholders, jwts } = run.retained;
    console.error(`held in memory at the end (all bounded): ${kept} exchanges kept for the reports, ${flow} flow memory entries, ${secrets} learned secrets, ${placeholders} numbered secrets, ${jwts} decoded JWTs`);
    const code = await finishRun(values, run);
    return harFailed || run.har?.failure ? 2 : code;
  },
};
