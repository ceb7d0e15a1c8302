/**
 * Bodies in any charset, for the redaction: a secret in a UTF-16 body is stored with a NUL between its characters,
 * and no pattern sees it until the body is decoded.
 *
 * - `decodeBody(bytes, contentType)`: the text of a body by its BOM (UTF-8, UTF-16 LE or BE), its declared charset
 *   (any the WHATWG Encoding Standard knows), or, undeclared, UTF-16 recognised by the NULs of its ASCII
 *   characters; undefined for UTF-8, which the caller already has as text.
 * - `utf16In(text)`: whether a text holds UTF-16 bytes read one byte per character (latin1, as the HAR reads a body
 *   that is not UTF-8, or UTF-8 of NUL-interleaved ASCII); `fromUtf16(text, form)` decodes it, `toUtf16(decoded,
 *   form, text)` encodes the redacted text back the same way, so that a recording keeps the body's form.
 */
import { parseMediaType } from '../http.js';

export type Utf16Encoding = 'utf-16le' | 'utf-16be';

export interface Utf16Form {
  encoding: Utf16Encoding;
  /** Characters before the UTF-16 code units: a byte order mark, as bytes or as replacement characters. */
  start: number;
}

/** UTF-16 by the NULs of ASCII characters: the high byte of most code units is 0, the low byte is not. */
function byNuls(at: (i: number) => number, length: number, start: number): Utf16Encoding | undefined {
  const pairs = Math.min(Math.floor((length - start) / 2), 2048);
  if (pairs < 2) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < pairs; i++) {
    if (at(start + 2 * i) === 0) even++;
    if (at(start + 2 * i + 1) === 0) odd++;
  }
  if (odd >= pairs * 0.3 && even <= pairs * 0.1) return 'utf-16le';
  if (even >= pairs * 0.3 && odd <= pairs * 0.1) return 'utf-16be';
  return undefined;
}

const BOMS: [number[], string][] = [[[0xef, 0xbb, 0xbf], 'utf-8'], [[0xff, 0xfe], 'utf-16le'], [[0xfe, 0xff], 'utf-16be']];
const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'us-ascii', 'ascii']);

/** The text of a body that is not plain UTF-8 (BOM, declared charset, sniffed UTF-16); undefined otherwise. */
export function decodeBody(bytes: Uint8Array, contentType?: string | null): string | undefined {
  if (bytes.length === 0) return undefined;
  const bom = BOMS.find(([mark]) => mark.every((b, i) => bytes[i] === b));
  if (bom) return bom[1] === 'utf-8' ? undefined : new TextDecoder(bom[1]).decode(bytes);
  const charset = parseMediaType(contentType)?.params.get('charset')?.toLowerCase();
  if (charset && !UTF8.has(charset)) {
    const sniffed = charset === 'utf-16' ? byNuls((i) => bytes[i]!, bytes.length, 0) : undefined;
    try {
      return new TextDecoder(sniffed ?? charset).decode(bytes);
    } catch { /* a charset no decoder knows: sniffed below, else read as UTF-8 */ }
  }
  if (!bytes.includes(0)) return undefined;
  const sniffed = byNuls((i) => bytes[i]!, bytes.length, 0);
  return sniffed ? new TextDecoder(sniffed).decode(bytes) : undefined;
}

/** Whether `text` holds UTF-16 read one byte per character, and how. */
export function utf16In(text: string): Utf16Form | undefined {
  if (text.length < 4 || !text.includes('\0')) return undefined;
  const [c0, c1] = [text.charCodeAt(0), text.charCodeAt(1)];
  if (c0 === 0xff && c1 === 0xfe) return { encoding: 'utf-16le', start: 2 };
  if (c0 === 0xfe && c1 === 0xff) return { encoding: 'utf-16be', start: 2 };
  // A byte order mark read as UTF-8 became two replacement characters.
  const start = c0 === 0xfffd && c1 === 0xfffd ? 2 : 0;
  const encoding = byNuls((i) => text.charCodeAt(i), text.length, start);
  return encoding ? { encoding, start } : undefined;
}

/** The text the UTF-16 bytes of `text` hold (a character that was no byte counts as `?`). */
export function fromUtf16(text: string, form: Utf16Form): string {
  const bytes = Buffer.alloc(text.length - form.start);
  for (let i = form.start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes[i - form.start] = c > 0xff ? 0x3f : c;
  }
  return new TextDecoder(form.encoding).decode(bytes);
}

/** `decoded` as UTF-16 bytes read one byte per character, after what came before the code units in `original`. */
export function toUtf16(decoded: string, form: Utf16Form, original: string): string {
  const bytes = Buffer.from(decoded, 'utf16le');
  if (form.encoding === 'utf-16be') bytes.swap16();
  return original.slice(0, form.start) + bytes.toString('latin1');
}
