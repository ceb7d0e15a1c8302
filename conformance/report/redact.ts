/**
 * Structured redaction for every report (conformance, fuzz, proxy): values are redacted where they are, before
 * anything is formatted, truncated or escaped, so that no pattern can run across entries and no escaping can
 * hide a token from it.
 *
 * What is redacted: the secret headers (Authorization keeps its scheme, Cookie, Set-Cookie); JSON members, form
 * fields and URL query parameters known to hold secrets (`SECRET_NAMES`), in bodies and in any header holding
 * a URL (Location); the profile's secrets and every token the run saw (`learn` collects them from each exchange);
 * and anything JWT-shaped or written as a Bearer/Basic credential.
 *
 * Entry points: `new Redactor(secrets)`, `learn(exchange)`, `text(s)`, `value(v)`, `url(s)`, `headers(list)`,
 * `body(text, contentType)`, `curl(request)`, `exchange(e)` → `RedactedExchange`; `truncate(text, max)`; `REDACTED`.
 */
import type { HeaderList, HttpResponse, WireRequest } from '../http.js';

export const REDACTED = '[REDACTED]';

/** JSON members, form fields and query parameters whose values are secrets. */
export const SECRET_NAMES = new Set(['access_token', 'refresh_token', 'id_token', 'assertion', 'client_assertion', 'client_secret', 'code', 'code_verifier', 'password', 'token']);
/** Headers whose values are secrets. */
export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

const JWT_SHAPED = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const CREDENTIAL = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+/gi;
/** Shorter values are not learned: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** Values never learned as secrets: URLs and scheme prefixes (`http://`), blank or punctuation-only text. */
const NOT_SECRET = /^(?:[a-z][a-z0-9+.-]*:\/\/\S*|[\s\p{P}\p{S}]*)$/iu;

export interface RedactedExchange {
  label?: string;
  request: { method: string; url: string; headers: [string, string][]; body: string };
  /** The request as a curl command line (redacted): a reproducer. */
  curl: string;
  response?: { status: number; headers: [string, string][]; body: string };
  error?: string;
  ms?: number;
}

/** What a report records of an exchange: the request, and the response or why none came. */
export interface RecordedExchange {
  /** `step 1`, or absent for an entry's own request. */
  label?: string;
  request: WireRequest;
  response?: HttpResponse;
  error?: string;
  ms?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `text` cut to `max` characters, saying how much was left out. Call it on redacted text only. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function formOf(text: string): [string, string][] | undefined {
  if (!/^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/.test(text)) return undefined;
  try {
    return [...new URLSearchParams(text)];
  } catch {
    return undefined;
  }
}

export class Redactor {
  private readonly known = new Set<string>();
  private sorted: string[] | undefined;

  constructor(secrets: Iterable<string> = []) {
    this.add(...secrets);
  }

  /** Values to redact wherever they appear. */
  add(...values: unknown[]): void {
    for (const v of values) {
      // A URL is never a secret as a whole (a fuzzer's `code=http://`); redacting it would hide every address.
      if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH && !NOT_SECRET.test(v) && !this.known.has(v)) {
        this.known.add(v);
        this.sorted = undefined;
      }
    }
  }

  /** Collects the secrets an exchange carries (tokens issued in its response, credentials in its request). */
  learn(exchange: { request: WireRequest; response?: HttpResponse }): void {
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (isObject(node)) for (const [k, v] of Object.entries(node)) (SECRET_NAMES.has(k) ? this.add(v) : collect(v));
    };
    const fromUrl = (value: string | null) => {
      if (!value) return;
      try {
        for (const [k, v] of new URL(value, 'http://x').searchParams) if (SECRET_NAMES.has(k)) this.add(v);
      } catch { /* not a URL */ }
    };
    const fromBody = (text: string) => {
      try {
        collect(JSON.parse(text));
      } catch {
        for (const [k, v] of formOf(text) ?? []) if (SECRET_NAMES.has(k)) this.add(v);
      }
    };
    const { request, response } = exchange;
    fromUrl(request.url);
    fromBody(request.body);
    for (const [k, v] of request.headers.entries) {
      if (SECRET_HEADERS.has(k.toLowerCase())) this.add(v.replace(/^(Bearer|Basic)\s+/i, ''));
    }
    if (response) {
      fromBody(response.text);
      for (const [k, v] of response.headers.entries) {
        if (SECRET_HEADERS.has(k.toLowerCase())) this.add(v.split(';')[0]!.split('=').slice(1).join('='));
        else fromUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : null);
      }
    }
  }

  /** Free text: known secrets, then JWT-shaped values and Bearer/Basic credentials. */
  text(text: string): string {
    this.sorted ??= [...this.known].sort((a, b) => b.length - a.length);
    let out = text;
    for (const secret of this.sorted) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out.replace(JWT_SHAPED, '[REDACTED JWT]').replace(CREDENTIAL, `$1$2${REDACTED}`);
  }

  /** A JSON value: secret members replaced, every string redacted as text. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_NAMES.has(k) && typeof v === 'string' && v !== '' ? REDACTED : this.value(v)]));
    }
    return value;
  }

  /** A URL: secret query parameters replaced, the rest redacted as text. */
  url(value: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return this.text(value);
    }
    const pairs = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_NAMES.has(k) ? REDACTED : encodeURIComponent(v)}`);
    return this.text(`${url.origin}${url.pathname}${pairs.length ? `?${pairs.join('&')}` : ''}${url.hash}`);
  }

  headers(list: HeaderList): [string, string][] {
    return list.entries.map(([name, value]) => {
      const lower = name.toLowerCase();
      if (lower === 'authorization' || lower === 'proxy-authorization') return [name, value.replace(/^(\S+)(\s+).*$/s, `$1$2${REDACTED}`).replace(/^[^\s]+$/, REDACTED)];
      if (SECRET_HEADERS.has(lower)) return [name, value.split(/;\s*/).map((part, i) => (i === 0 ? part.replace(/=.*$/s, `=${REDACTED}`) : part)).join('; ')];
      return [name, /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? this.url(value) : this.text(value)];
    });
  }

  /** A body: JSON and forms member by member, anything else as text. */
  body(text: string): string {
    if (text === '') return '';
    try {
      return JSON.stringify(this.value(JSON.parse(text)), null, 2);
    } catch { /* not JSON */ }
    const form = formOf(text);
    if (form) return form.map(([k, v]) => `${k}=${SECRET_NAMES.has(k) ? REDACTED : this.text(v)}`).join('&');
    return this.text(text);
  }

  /**
   * The request as a POSIX shell curl command, redacted the same way: secret headers keep their scheme, a form is
   * sent field by field (`--data-urlencode`, so that a redacted field stays readable), JSON compact, other bodies
   * as text. `-g` keeps curl from reading the brackets of `[REDACTED]` in a URL as a glob.
   */
  curl(request: WireRequest): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const parts = ['curl', '-sS', '-i', '-g'];
    if (request.method !== 'GET') parts.push('-X', request.method);
    parts.push(q(this.url(request.url)));
    for (const [k, v] of this.headers(request.headers)) if (!['content-length', 'host'].includes(k.toLowerCase())) parts.push('-H', q(`${k}: ${v}`));
    if (request.body !== '') {
      const form = /^application\/x-www-form-urlencoded/i.test(request.headers.get('content-type') ?? '') ? formOf(request.body) : undefined;
      if (form) for (const [k, v] of form) parts.push('--data-urlencode', q(`${k}=${SECRET_NAMES.has(k) ? REDACTED : this.text(v)}`));
      else {
        let body: string;
        try {
          // Characters a terminal does not show or shows as a space (controls, format characters, separators other
          // than the space) as JSON escapes: the same value, visible.
          body = JSON.stringify(this.value(JSON.parse(request.body))).replace(/(?! )[\p{Cc}\p{Cf}\p{Z}]/gu, (c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
        } catch {
          body = this.text(request.body);
        }
        parts.push('--data-raw', q(body));
      }
    }
    return parts.join(' ');
  }

  exchange(e: RecordedExchange): RedactedExchange {
    return {
      ...(e.label ? { label: e.label } : {}),
      request: { method: e.request.method, url: this.url(e.request.url), headers: this.headers(e.request.headers), body: this.body(e.request.body) },
      curl: this.curl(e.request),
      ...(e.response ? { response: { status: e.response.status, headers: this.headers(e.response.headers), body: this.body(e.response.text) } } : {}),
      ...(e.error ? { error: this.text(e.error) } : {}),
      ...(e.ms !== undefined ? { ms: e.ms } : {}),
    };
  }
}
