/** The report files the reporting commands take alike (`--report`, `--html`, `--json`), as options: what their help
 *  needs, without the writers (cli/options.ts writes them). */
import type { OptionSpec } from './command.js';

/** The report files every reporting command takes: `--report` (JUnit), `--html`, `--json`. */
export const REPORT_FILES = ['report', 'html', 'json'] as const;

/** The options of `REPORT_FILES`; `junit` says what a JUnit test case is for the command. */
export const reportOptions = (junit: string): Record<(typeof REPORT_FILES)[number], OptionSpec> => ({
  report: { type: 'string', value: '<junit.xml>', description: `also write a JUnit XML report, ${junit} (its folder is created)` },
  html: { type: 'string', value: '<report.html>', description: 'also write a self-contained HTML report (its folder is created)' },
  json: { type: 'string', value: '<report.json>', description: 'also write the report as JSON, for dashboards (its folder is created)' },
});
