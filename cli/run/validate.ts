/** The work of `orange-identity validate` (cli/validate.ts holds its options), loaded when the command runs; the
 *  proxy's work shares its end (`finishRun`). */
import { HarError, cutText } from '../../conformance/har.js';
import { FAIL_ON, validateHar, verdictLine, type FailOn, type RunCounts } from '../../conformance/proxy/index.js';
import { terminalText, textReport, type Report } from '../../conformance/report/index.js';
import { ConfigError, UsageError, type Values } from '../command.js';
import { REPORT_FILES, prepareReportPaths, writeReports } from '../options.js';

export function failOnOption(values: Values): FailOn {
  const value = values['fail-on'] as string;
  if (!(FAIL_ON as readonly string[]).includes(value)) throw new UsageError(`--fail-on takes ${FAIL_ON.join(', ')}, not '${value}'`);
  return value as FailOn;
}

/** Prints the text report and the summary, writes the reports asked for; the exit code: 0 no violation, 1 one,
 *  2 a report that could not be written. */
export async function finishRun(values: Values, run: { report: Report; summary: string; counts: RunCounts }): Promise<number> {
  console.log(textReport(run.report));
  console.log('');
  console.log(run.summary);
  let written = true;
  try {
    await writeReports(values, run.report);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    console.error(`error: cannot write the reports: ${e.code ? `${e.code} (${e.message.replace(/^\w+: /, '').replace(/,.*$/, '')})` : e.message}${e.path ? ` on ${e.path}` : ''}`);
    written = false;
  }
  const count = run.counts.violations;
  console.log(count ? `${count} exchange${count > 1 ? 's' : ''} violated the contract (--fail-on ${values['fail-on']})` : `no exchange violated the contract (--fail-on ${values['fail-on']})`);
  return written ? (count ? 1 : 0) : 2;
}

export async function run(values: Values, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('validate takes one HAR file');
  const file = positionals[0]!;
  const failOn = failOnOption(values);
  prepareReportPaths(values, REPORT_FILES);
  let run;
  try {
    run = await validateHar(file, { failOn, issuer: values.issuer as string, ...(values.quiet ? {} : { onVerdict: (v) => console.log(terminalText(verdictLine(v))) }) });
  } catch (error) {
    if (error instanceof HarError) throw new ConfigError(`${file}: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code) throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
    throw error;
  }
  if (run.cut) console.error(`warning: ${file} was ${cutText(run.cut)}; the ${run.cut.entries} entries before the cut are judged`);
  return finishRun(values, run);
}
