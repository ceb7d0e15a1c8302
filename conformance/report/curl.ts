/**
 * The curl reproducer of a request: a shell command line that sends it again, built from parts the Redactor has
 * redacted (`Redactor.curl`). Values are single-quoted; one that holds a character a terminal would obey or not
 * show (a control, a bidi override, a zero-width character) is written with `$'…'` escapes (bash, zsh, ksh,
 * POSIX.1-2024 sh), so that the command is both safe to print and exact. A JSON body is compact, its control
 * characters as JSON escapes: the same value, readable. `-g` keeps curl from reading the brackets of `[REDACTED]`
 * in a URL as a glob.
 *
 * Entry point: `curlCommand(request)`.
 */

export interface CurlRequest {
  method: string;
  url: string;
  /** Header fields to send (Host and Content-Length are left to curl). */
  headers: [string, string][];
  /** A form, field by field (`--data-urlencode`, so that a redacted field stays readable). */
  form?: [string, string][];
  /** Any other body, as text. */
  body?: string;
  /** Whether `body` is JSON text. */
  json?: boolean;
}

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\ufffe\uffff]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

/** A shell word for `s`: `'…'`, or `$'…'` with escapes when `s` holds what a terminal would not show as it is. */
export function shellQuote(s: string): string {
  if (!UNSAFE.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  const escaped = s.replace(/[\\']/g, (c) => `\\${c}`).replace(UNSAFE_ALL, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${hex(code, 2)}` : code <= 0xffff ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`;
  });
  return `$'${escaped}'`;
}

/** Characters of JSON text a terminal does not show, or shows as a space, as JSON escapes: the same value. */
const jsonVisible = (json: string) => json.replace(/(?! )[\p{Cc}\p{Cf}\p{Z}\p{Cs}]/gu, (c) => Array.from({ length: c.length }, (_, i) => `\\u${hex(c.charCodeAt(i), 4)}`).join(''));

export function curlCommand(request: CurlRequest): string {
  const parts = ['curl', '-sS', '-i', '-g'];
  if (request.method !== 'GET') parts.push('-X', /^[A-Za-z-]+$/.test(request.method) ? request.method : shellQuote(request.method));
  parts.push(shellQuote(request.url));
  for (const [k, v] of request.headers) if (!['content-length', 'host'].includes(k.toLowerCase())) parts.push('-H', shellQuote(`${k}: ${v}`));
  if (request.form) for (const [k, v] of request.form) parts.push('--data-urlencode', shellQuote(`${k}=${v}`));
  else if (request.body) parts.push('--data-raw', shellQuote(request.json ? jsonVisible(request.body) : request.body));
  return parts.join(' ');
}
