/** The work of `orange-identity fuzz` (cli/fuzz.ts holds its options), loaded when the command runs. */
import path from 'node:path';
import { sandboxAdmin } from '../../conformance/fuzz/control.js';
import { PHASES, runFuzz, type FuzzRun } from '../../conformance/fuzz/engine.js';
import { createSender } from '../../conformance/http.js';
import { ProfileError } from '../../conformance/profile.js';
import { terminalText, textReport } from '../../conformance/report/index.js';
import { ForeignTargetError } from '../../conformance/runner.js';
import { createSandbox, type Sandbox } from '../../sandbox/server.js';
import { ConfigError, UsageError, integerOption, type Values } from '../command.js';
import { REPORT_FILES, apisOption, prepareReportPaths, profileOption, reachTarget, writeReports } from '../options.js';
import { listenForStop } from '../signals.js';
import { parseRate } from '../../conformance/pacing.js';
import { DEFAULT_TARGET_RATE, DEFAULT_URL as SANDBOX_URL, MAX_EXAMPLES, SHRINK_BUDGET } from '../defaults.js';

/** `--rate 20` or `--rate 20/s` (as the conformance suite takes it); DEFAULT_TARGET_RATE against a target. */
function rateOption(values: Values): number | undefined {
  const raw = values.rate;
  if (raw === undefined) return values.target ? DEFAULT_TARGET_RATE : undefined;
  try {
    return parseRate(String(raw));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Requests per operation and phase, as a table. */
function requestTable(run: FuzzRun): string {
  const columns = [...PHASES, 'shrinking', 'total'] as const;
  const rows = [...run.requests].filter(([, c]) => c.total > 0);
  const width = Math.max('operation'.length, ...rows.map(([op]) => op.length));
  const cell = (v: string | number, i: number) => String(v).padStart(columns[i]!.length + 2);
  const total = Object.fromEntries(columns.map((c) => [c, rows.reduce((s, [, r]) => s + r[c], 0)])) as Record<(typeof columns)[number], number>;
  return [
    'requests per operation (shrinking and steps included in their phase):',
    `  ${'operation'.padEnd(width)}${columns.map(cell).join('')}`,
    ...rows.map(([op, c]) => `  ${op.padEnd(width)}${columns.map((k, i) => cell(c[k], i)).join('')}`),
    `  ${'total'.padEnd(width)}${columns.map((k, i) => cell(total[k], i)).join('')}`,
  ].join('\n');
}

/** The summary, the failures with their reproducers, the requests, and how to replay the run. */
function printRun(run: FuzzRun, given: string | undefined, seed: number, maxExamples: number): void {
  console.log(textReport(run, { reproducers: true }));
  console.log('');
  console.log(requestTable(run));
  const discarded = [...run.discarded.values()].reduce((a, b) => a + b, 0);
  for (const note of run.notes) console.log(terminalText(`not checked: ${note}`, run.redactor));
  if (discarded) console.log(`${discarded} generated examples were not sent: the request checks did not see them as the phase needs (valid, or broken)`);
  if (run.stopped) console.log(`stopped (${run.stopped}) before the end of the run: what it had not reached is skipped, not passed`);
  console.log(`seed ${seed}: the same command with --seed ${seed} sends the same requests`);
  if (!given) {
    console.log(`replay: start a sandbox with \`npm start\` (or \`npx orange-identity sandbox\`, ${SANDBOX_URL}), then run a reproducer above, or the whole run with \`npm run fuzz -- --target ${SANDBOX_URL} --seed ${seed} --max-examples ${maxExamples}\``);
  }
}

export async function run(values: Values): Promise<number> {
  const apis = apisOption(values);
  const maxExamples = integerOption(values, 'max-examples', 1, MAX_EXAMPLES);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integerOption(values, 'seed', 0, 2 ** 31 - 1);
  const rate = rateOption(values);
  const { profile, secrets, path: profilePath } = profileOption(values);
  if (profile.kind !== 'live') throw new UsageError(`profile ${profile.name} is for a mock, which answers examples whatever it is sent: the fuzzer needs a live profile (sandbox, or one for your deployment)`);
  prepareReportPaths(values, REPORT_FILES);

  let sandbox: Sandbox | undefined;
  const admin: { close(): void }[] = [];
  // Ctrl-C or SIGTERM (once, or twice within a second as npm and the terminal deliver it): the run stops at its
  // next request, then the summary and the reports are written. A later signal stops at once.
  const stop = listenForStop();
  const stopping = new AbortController();
  void stop.requested.then((signal) => {
    console.error(`${signal}: stopping the fuzz run, then writing the summary and the reports (${signal} again to stop at once)`);
    stopping.abort(signal);
  });
  try {
    const given = values.target as string | undefined;
    let target = given;
    if (!target) {
      sandbox = createSandbox();
      target = await sandbox.listen(0);
      console.error(`started an in-process sandbox on ${target}`);
    } else {
      await reachTarget(target);
    }
    const adminSender = createSender({ baseUrl: target });
    admin.push(adminSender);
    console.log(`seed ${seed}; bounds: at most ${maxExamples} examples per operation and phase (--max-examples), ${rate ? `at most ${rate} requests/s (--rate)` : 'no rate limit (in-process; --rate to set one)'}, at most ${SHRINK_BUDGET} shrinking requests per distinct failure`);
    let run: FuzzRun;
    try {
      run = await runFuzz({
        baseUrl: target, profile, secrets, apis, seed, maxExamples, shrinkBudget: SHRINK_BUDGET,
        profileLabel: `${profile.name} (${path.relative(process.cwd(), profilePath)})`,
        ...(rate ? { rate } : {}),
        // The reproducers name the target as it was given; an in-process sandbox is gone once the run ends, so
        // they name the one `npm start` runs, and the output says how to replay.
        reproduceAt: given ?? SANDBOX_URL,
        ...(given ? {} : { targetLabel: `an in-process sandbox (gone with the run; the reproducers are for one started with npm start, ${SANDBOX_URL})` }),
        signal: stopping.signal,
        control: sandboxAdmin((request) => adminSender.send(request), sandbox?.clock),
        onProgress: (p) => console.error(terminalText(`${p.operationId} ${p.phase}: ${p.requests} requests`)),
      });
    } catch (error) {
      if (error instanceof ForeignTargetError || error instanceof ProfileError) throw new ConfigError(error.message);
      throw error;
    }
    printRun(run, given, seed, maxExamples);
    await writeReports(values, run);
    if (run.entries.some((e) => e.outcome === 'failed')) return 1;
    if (!run.stopped) return 0;
    // Stopped by a signal: 128 + its number; stopped by the target (a quota that did not lift): no verdict, exit 2.
    return run.stopped === 'SIGTERM' ? 143 : run.stopped === 'SIGINT' ? 130 : 2;
  } finally {
    stop.dispose();
    for (const a of admin) a.close();
    await sandbox?.close();
  }
}
