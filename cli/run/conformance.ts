/** The work of `orange-identity conformance` (cli/conformance.ts holds its options), loaded when the command runs. */
import path from 'node:path';
import { casePattern } from '../../conformance/catalogue.js';
import { probeTarget } from '../../conformance/http.js';
import { openLogin, type OpenedLogin } from '../../conformance/login/index.js';
import { MockUnavailableError, PortInUseError, startMock, type RunningMock } from '../../conformance/mock.js';
import { parseRate } from '../../conformance/pacing.js';
import { listing, planRun } from '../../conformance/plan.js';
import { profileTemplates, shippedProfiles, type LoadedProfile } from '../../conformance/profile.js';
import { terminalText, textReport } from '../../conformance/report/index.js';
import { ForeignTargetError, runConformance, type ConformanceRun, type Progress } from '../../conformance/runner.js';
import { ConfigError, UsageError, integerOption, type Values } from '../command.js';
import { REPORT_FILES, apisOption, prepareReportPaths, profileOption, writeReports } from '../options.js';
import { listenForStop } from '../signals.js';

/**
 * Progress on stderr: on a terminal, one line rewritten in place (cases done of total, failures so far); otherwise
 * one plain line per case, so that CI logs show where a long run is.
 */
export function progressPrinter(stream: NodeJS.WriteStream): { update(p: Progress): void; end(): void } {
  let drawn = false;
  return {
    update(p) {
      const count = `${String(p.done).padStart(String(p.total).length)}/${p.total}`;
      if (stream.isTTY) {
        stream.write(`\r\x1b[K${count} cases, ${p.failed} failed  ${terminalText(p.result.name)}`.slice(0, (stream.columns || 100) - 1));
        drawn = true;
      } else {
        stream.write(`${count} ${p.result.outcome.padEnd(7)} ${terminalText(p.result.name)}\n`);
      }
    },
    end() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

/** The exit code of a run stopped by a signal: 128 plus the signal's number (130 for SIGINT, 143 for SIGTERM). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** What the options that shape a run say, checked before anything starts. */
function runOptions(values: Values) {
  const target = values.target as string | undefined;
  if (target !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(target);
    } catch { /* said below */ }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash) throw new UsageError(`--target takes the http(s) base URL the APIs are served under (an origin, or an origin and a path prefix), not '${target}'`);
  }
  let rate: number | undefined;
  let grep: RegExp | undefined;
  try {
    rate = values.rate === undefined ? undefined : parseRate(String(values.rate));
    grep = values.grep === undefined ? undefined : casePattern(String(values.grep));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    target, rate, grep, apis: apisOption(values),
    concurrency: integerOption(values, 'concurrency', 1, 64),
    timeoutMs: integerOption(values, 'timeout', 1, 3_600_000),
  };
}

/** `--profile`: required with a live `--target`; the mock profile without one. */
function chosenProfile(values: Values, target: string | undefined, list: boolean): LoadedProfile & { path: string } {
  if (values.profile === undefined && target !== undefined) {
    throw new ConfigError(`--target ${target} is a live target: say what it needs with --profile <name|file>, a shipped profile (${shippedProfiles().join(', ')}) or a profile file of your own (a template to copy: ${profileTemplates().join(', ')}; see docs/guides/production.md). The mock profile is only for a Prism mock`);
  }
  const loaded = profileOption({ ...values, profile: values.profile ?? 'mock' });
  if (!target && !list && loaded.profile.kind !== 'mock') throw new UsageError(`profile ${loaded.profile.name} is for a live target: pass --target`);
  if (typeof values.login === 'string' && loaded.profile.kind === 'mock') throw new UsageError(`--login is for a live target: against a mock (profile ${loaded.profile.name}) no case runs a code flow`);
  return loaded;
}

interface Started {
  mock?: RunningMock;
  login?: OpenedLogin;
  /** Absent when a stop request came first. */
  target?: string;
}

/** Starts what the run needs (the mock, the login), unless `signal` stops it first; `started` holds what runs. */
async function prepare(values: Values, target: string | undefined, loaded: LoadedProfile, signal: AbortSignal, started: Started): Promise<void> {
  if (!target) {
    try {
      started.mock = await startMock({ signal });
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof PortInUseError || error instanceof MockUnavailableError) throw new ConfigError(error.message);
      throw error;
    }
    console.error(`started the Prism mock on ${started.mock.url}`);
  }
  if (typeof values.login === 'string') {
    try {
      started.login = await openLogin(values.login, { profile: loaded.profile, input: process.stdin, output: process.stderr });
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  if (!signal.aborted) started.target = target ?? started.mock!.url;
}

async function report(values: Values, run: ConformanceRun): Promise<void> {
  console.log(textReport(run));
  if (run.stopped) {
    const done = run.entries.filter((e) => !e.reason?.startsWith('not run:')).length;
    console.error(`stopped (${run.stopped}): ${done} of ${run.entries.length} cases ran; the reports hold what was done`);
  }
  await writeReports(values, run);
}

export async function run(values: Values): Promise<number> {
  const options = runOptions(values);
  // Reachable first (a connection, nothing sent), then configured; --list connects to nothing at all.
  if (options.target && !values.list) await probeTarget(options.target).catch((error: Error) => { throw new ConfigError(`cannot reach ${options.target}: ${error.message}`); });
  const loaded = chosenProfile(values, options.target, values.list === true);
  if (values.list) {
    const plan = await planRun({ profile: loaded.profile, apis: options.apis, ...(options.grep ? { grep: options.grep } : {}), setup: typeof values.login === 'string' ? { login: values.login } : {} });
    console.log(listing(plan));
    return 0;
  }
  prepareReportPaths(values, REPORT_FILES);
  const started: Started = {};
  // A second signal, later than a moment after the first, stops at once: the mock is killed, not left behind.
  const stop = listenForStop({ onForce: (s) => { started.mock?.kill(); console.error(`${s} again: stopping at once, without the reports`); process.exit(SIGNAL_EXIT[s] ?? 130); } });
  const controller = new AbortController();
  let signal: string | undefined;
  void stop.requested.then((s) => {
    signal = s;
    controller.abort(new Error(s));
    // A case may be waiting on the login (a URL to paste, a page in the browser): closing it ends that wait.
    void started.login?.close().catch(() => undefined);
  });
  try {
    await prepare(values, options.target, loaded, controller.signal, started);
    if (signal || !started.target) return SIGNAL_EXIT[signal ?? 'SIGTERM']!;
    const progress = values.quiet ? undefined : progressPrinter(process.stderr);
    let run: ConformanceRun;
    try {
      run = await runConformance({
        baseUrl: started.target, profile: loaded.profile, secrets: loaded.secrets, apis: options.apis, concurrency: options.concurrency,
        timeoutMs: options.timeoutMs, signal: controller.signal, profileLabel: `${loaded.profile.name} (${path.relative(process.cwd(), loaded.path)})`,
        ...(options.rate ? { rate: options.rate } : {}), ...(options.grep ? { grep: options.grep } : {}), ...(started.login ? { login: started.login } : {}),
        ...(progress ? { onProgress: progress.update } : {}),
      });
    } catch (error) {
      if (error instanceof ForeignTargetError) throw new ConfigError(error.message);
      throw error;
    } finally {
      progress?.end();
    }
    await report(values, run);
    if (signal) return SIGNAL_EXIT[signal]!;
    return run.entries.some((r) => r.outcome === 'failed') ? 1 : 0;
  } finally {
    await started.login?.close().catch(() => undefined);
    await started.mock?.stop();
    stop.dispose();
  }
}
