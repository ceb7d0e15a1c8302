/**
 * Reports shared by the conformance suite, the fuzzer and the validating proxy: the model (model.ts), the
 * structured redaction (redact.ts, by the rules of rules.ts, bodies decoded by charset.ts), the curl reproducer
 * (curl.ts), what may reach a terminal (terminal.ts: `terminalText` for the commands' progress lines) and the
 * writers: text (text.ts), JUnit XML (junit.ts), self-contained HTML (html.ts), JSON (json.ts). Every writer
 * redacts first, then formats, truncates and escapes.
 */
export { redactReport, show, tallyBySuite, totals, type Outcome, type RedactedEntry, type RedactedFailure, type RedactedReport, type Report, type ReportEntry, type Tally } from './model.js';
export { REDACTED, REDACTED_JWT, Redactor, PLACEHOLDERS, isPlaceholder, truncate, type RecordedExchange, type RedactedExchange, type RedactedJws, type RedactorOptions } from './redact.js';
export { isSecretHeader, isSecretName, nameWords, redactionSummary } from './rules.js';
export { terminalText, visible } from './terminal.js';
export { curlCommand, shellQuote, type CurlRequest } from './curl.js';
export { textReport } from './text.js';
export { exchangeText, junitReport } from './junit.js';
export { htmlReport, lineDiff } from './html.js';
export { JSON_REPORT_FORMAT, JSON_REPORT_VERSION, jsonReport } from './json.js';
