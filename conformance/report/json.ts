/**
 * The JSON report, for dashboards and scripts: the redacted report model as one JSON document, with the tallies
 * per suite and in all. Values are redacted first (redactReport), as for every writer; nothing is truncated.
 *
 * Entry point: `jsonReport(report)`. Its shape: `{ format: 'orange-identity-report', version: 1, title, target,
 * unit, profile, startedAt, ms, totals, suites: { <suite>: Tally }, redaction, entries: RedactedEntry[] }`, where
 * `redaction` states what is redacted (rules.ts, as the HTML report's footer).
 */
import { redactReport, tallyBySuite, totals, type Report } from './model.js';
import { redactionSummary } from './rules.js';

export const JSON_REPORT_FORMAT = 'orange-identity-report';
export const JSON_REPORT_VERSION = 1;

export function jsonReport(report: Report): string {
  const { entries, ...meta } = redactReport(report);
  return `${JSON.stringify({
    format: JSON_REPORT_FORMAT, version: JSON_REPORT_VERSION, ...meta,
    totals: totals(report.entries), suites: Object.fromEntries(tallyBySuite(report.entries)), redaction: redactionSummary(report.redactor.correlating), entries,
  }, null, 2)}\n`;
}
