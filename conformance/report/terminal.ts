/**
 * What may reach a terminal (or a viewer) from a target: its bytes are shown, never obeyed. A target that answers
 * `ESC[2J`, colour codes, a CR that rewrites the line, NUL, BEL, DEL, C1 controls (U+0080–U+009F, among them the
 * 8-bit CSI), bidirectional overrides or zero-width characters gets them written as visible escapes (`\x1b[2J`,
 * `\u202e`), so that it can neither clear nor rewrite the user's screen nor make a line read otherwise.
 *
 * Entry points:
 * - `visible(text, keep)`: every control (C0, DEL, C1), format character (bidi controls, zero-width characters,
 *   the BOM), line or paragraph separator, lone surrogate and non-character as an escape, except the characters
 *   of `keep` (the reports' own newlines and tabs: JUnit and HTML keep `\n\t`).
 * - `terminalText(text, redactor)`: one line for a terminal (the progress and verdict lines of the commands):
 *   redacted (by the run's redactor, or by what values are and where they stand when none is given), then every
 *   character of the target's that is not plain text as an escape, newlines included.
 */
import { Redactor } from './redact.js';

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\ufffe\uffff]/gu;

const escape = (c: string): string => {
  const code = c.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
};

/** `text` with every character a terminal would obey or not show written as an escape, but those of `keep`. */
export function visible(text: string, keep = ''): string {
  return text.replace(UNSAFE, (c) => (keep.includes(c) ? c : escape(c)));
}

/** Redacts by what values are and where they stand (no secret known). */
const byShape = new Redactor();

/** One line for a terminal: redacted, and shown rather than obeyed. */
export function terminalText(text: string, redactor: Redactor = byShape): string {
  return visible(redactor.text(text));
}
