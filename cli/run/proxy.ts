/** The work of `orange-identity proxy` (cli/proxy.ts holds its options), loaded when the command runs. */
import { HarOpenError, startValidatingProxy, type ProxyProgress, type ValidatingProxy } from '../../conformance/proxy/index.js';
import { ConfigError, UsageError, integerOption, type Values } from '../command.js';
import { REPORT_FILES, prepareReportPaths } from '../options.js';
import { listenForStop } from '../signals.js';
import { failOnOption, finishRun } from './validate.js';

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

export async function run(values: Values): Promise<number> {
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
  } finally {
    stop.dispose();
  }
}
