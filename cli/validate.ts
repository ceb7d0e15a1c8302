/** `orange-identity validate <traffic.har>`: the validating proxy's checks, offline, on a recorded HAR file. */
import { readFile } from 'node:fs/promises';
import { ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { HarError, readHar } from '../conformance/har.js';
import { FAIL_ON, operationSummary, validateRecording, verdictLine, violations, type ExchangeVerdict, type FailOn } from '../conformance/proxy/index.js';
import { textReport, type Report } from '../conformance/report/index.js';
import { ConfigError, UsageError, type Command, type OptionSpec, type Values } from './command.js';
import { REPORT_FILES, prepareReportPaths, reportOptions, writeReports } from './options.js';

/** The options the proxy and validate share: what counts, the issuer, the reports. */
export const JUDGE_OPTIONS: Record<string, OptionSpec> = {
  'fail-on': { type: 'string', value: '<request|response|any>', default: 'response', description: 'what makes an exchange a violation: its response (the target deviates), its request (the client does, unmatched traffic included), or either; findings that do not count are noted' },
  issuer: { type: 'string', value: '<url>', default: ORANGE_OIDC_ISSUER, description: 'the iss an id_token must carry' },
  ...reportOptions('one test case per exchange'),
  quiet: { type: 'boolean', description: 'no line per exchange (the summary and the report are still printed)' },
};

export function failOnOption(values: Values): FailOn {
  const value = values['fail-on'] as string;
  if (!(FAIL_ON as readonly string[]).includes(value)) throw new UsageError(`--fail-on takes ${FAIL_ON.join(', ')}, not '${value}'`);
  return value as FailOn;
}

/** Writes the reports asked for, prints the text report and the summary per operation; the exit code. */
export async function finishRun(values: Values, report: Report<ExchangeVerdict>): Promise<number> {
  console.log(textReport(report));
  console.log('');
  console.log(operationSummary(report.entries));
  await writeReports(values, report);
  const count = violations(report.entries).length;
  console.log(count ? `${count} exchange${count > 1 ? 's' : ''} violated the contract (--fail-on ${values['fail-on']})` : `no exchange violated the contract (--fail-on ${values['fail-on']})`);
  return count ? 1 : 0;
}

export const validate: Command = {
  name: 'validate',
  summary: 'check the exchanges of a HAR file (recorded by the proxy, or by a browser) against the contract, offline',
  positionals: '<traffic.har>',
  options: JUDGE_OPTIONS,
  details: 'The same checks, reports and verdicts as the proxy gives live. Exit codes: 0 no exchange violated the contract,\n1 one did, 2 bad arguments or an unreadable file.',
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('validate takes one HAR file');
    const file = positionals[0]!;
    const failOn = failOnOption(values);
    prepareReportPaths(values, REPORT_FILES);
    let entries;
    try {
      entries = readHar(await readFile(file, 'utf8'));
    } catch (error) {
      if (error instanceof HarError) throw new ConfigError(`${file}: ${error.message}`);
      throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const { report } = validateRecording(entries, { failOn, issuer: values.issuer as string, target: file });
    if (!values.quiet) for (const verdict of report.entries) console.log(verdictLine(verdict));
    return finishRun(values, report);
  },
};
