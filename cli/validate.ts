/** `orange-identity validate <traffic.har>`: the validating proxy's checks, offline, on a recorded HAR file. */
import { ORANGE_OIDC_ISSUER } from '../src/auth/oidc.js';
import { HarError, cutText } from '../conformance/har.js';
import { FAIL_ON, validateHar, verdictLine, type FailOn, type RunCounts } from '../conformance/proxy/index.js';
import { textReport, type Report } from '../conformance/report/index.js';
import { ConfigError, UsageError, type Command, type OptionSpec, type Values } from './command.js';
import { REPORT_FILES, prepareReportPaths, reportOptions, writeReports } from './options.js';

/** The options the proxy and validate share: what counts, the issuer, the reports. */
export const JUDGE_OPTIONS: Record<string, OptionSpec> = {
  'fail-on': { type: 'string', value: '<request|response|any>', default: 'response', description: 'what makes an exchange a violation: its response (the target deviates), its request (the client does, unmatched traffic included), or either; findings that do not count are noted' },
  issuer: { type: 'string', value: '<url>', default: ORANGE_OIDC_ISSUER, description: 'the iss an id_token must carry' },
  ...reportOptions('one test case per failed or noted exchange kept (the first 5 per operation and check, 200 in all), and one per operation for the rest'),
  quiet: { type: 'boolean', description: 'no line per exchange (the summary and the report are still printed)' },
};

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
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('validate takes one HAR file');
    const file = positionals[0]!;
    const failOn = failOnOption(values);
    prepareReportPaths(values, REPORT_FILES);
    let run;
    try {
      run = await validateHar(file, { failOn, issuer: values.issuer as string, ...(values.quiet ? {} : { onVerdict: (v) => console.log(verdictLine(v)) }) });
    } catch (error) {
      if (error instanceof HarError) throw new ConfigError(`${file}: ${error.message}`);
      if ((error as NodeJS.ErrnoException).code) throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
      throw error;
    }
    if (run.cut) console.error(`warning: ${file} was ${cutText(run.cut)}; the ${run.cut.entries} entries before the cut are judged`);
    return finishRun(values, run);
  },
};
