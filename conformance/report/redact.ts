/**
 * Structured redaction for every report (conformance, fuzz, proxy): values are redacted where they are, before
 * anything is formatted, truncated or escaped, so that no pattern can run across entries and no escaping can
 * hide a token from it.
 *
 * What is redacted: the secret headers (Authorization keeps its scheme, Cookie, Set-Cookie); JSON members, form
 * fields and URL query parameters known to hold secrets (`SECRET_NAMES`), in bodies and in any header holding
 * a URL (Location); the profile's secrets and every token the run saw (`learn` collects them from each exchange),
 * wherever they stand as a token of their own; and anything JWT-shaped or written as a Bearer/Basic credential.
 *
 * A correlating redactor (`new Redactor(secrets, { correlate: true })`, the proxy's and its HAR's) gives each
 * distinct secret its own placeholder, `REDACTED-1`, `REDACTED-2`..., the same wherever the value appears: a
 * redacted record still shows that the code a redirect carried is the one a token request sent, and checks that
 * follow a flow across exchanges (conformance/flow.ts) still can. Its placeholders are made of URL-safe
 * characters, so that a redacted URL, header, cookie or form stays well-formed. It also keeps, for each JWT it
 * replaced, the decoded header and claims (redacted as values; `jws(placeholder)`): they are not secrets (the
 * signature is what makes a JWT a credential), and the checks of a recorded exchange need them.
 *
 * Entry points: `new Redactor(secrets, options)`, `learn(exchange)`, `allow(value)`, `text(s)`, `value(v)`, `url(s)`,
 * `headers(list)`, `form(text)`, `body(text)`, `curl(request)`, `exchange(e)` → `RedactedExchange`, `placeholder(secret)`,
 * `jws(placeholder)`; `isPlaceholder(s)`; `truncate(text, max)`; `REDACTED`.
 */
import type { HeaderList, HttpResponse, WireRequest } from '../http.js';
import { decodeJws } from '../jwt.js';

export const REDACTED = '[REDACTED]';
/** The placeholders a correlating redactor writes (`REDACTED-3`), wherever they stand in a text. */
export const PLACEHOLDERS = /REDACTED-\d+(?!\d)/g;
/** True for a placeholder a correlating redactor wrote. */
export const isPlaceholder = (value: string): boolean => /^REDACTED-\d+$/.test(value);

/** JSON members, form fields and query parameters whose values are secrets. */
export const SECRET_NAMES = new Set(['access_token', 'refresh_token', 'id_token', 'assertion', 'client_assertion', 'client_secret', 'code', 'code_verifier', 'password', 'token']);
/** Headers whose values are secrets. */
export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

const JWT_SHAPED = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const CREDENTIAL = /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]+)/gi;
/** A known secret is replaced where it stands as a token of its own, not inside a longer one (a password
 *  `sandbox` leaves the path `/_sandbox/authorize` alone). */
const TOKEN_CHAR = '[A-Za-z0-9_-]';
/** Prose after the scheme's name (`a bearer token`, `Bearer ...`), not a credential. */
const isWord = (s: string) => s.length < 8 || /^[a-z]+$/.test(s);
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

/** What a correlating redactor keeps of a JWT it replaced. */
export interface RedactedJws {
  header: unknown;
  payload: unknown;
  /** Whether its signature segment was non-empty. */
  signed: boolean;
}

export interface RedactorOptions {
  /** One numbered, URL-safe placeholder per distinct secret (`REDACTED-1`), and the decoded JWTs kept. */
  correlate?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isUrl = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

/** `text` cut to `max` characters, saying how much was left out. Call it on redacted text only. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

const isFormType = (contentType: string | null | undefined) => /^application\/x-www-form-urlencoded/i.test(contentType ?? '');

/**
 * The fields of a form body. A body declared as a form is parsed as URLSearchParams parses it, whatever its
 * shape (a trailing `&`, a bare field, spaces); an undeclared one only when it looks like a form: fields with
 * or without `=value`, joined by `&`, empty segments allowed.
 */
function formOf(text: string, declared = false): [string, string][] | undefined {
  if (!declared && !/^[^=&\s]+(=[^&\s]*)?(&([^=&\s]+(=[^&\s]*)?)?)*$/.test(text.trim())) return undefined;
  return [...new URLSearchParams(text.trim())];
}

export class Redactor {
  private readonly known = new Set<string>();
  private sorted: string[] | undefined;
  private readonly patterns = new Map<string, RegExp>();
  private readonly correlate: boolean;
  private readonly numbers = new Map<string, string>();
  private readonly decoded = new Map<string, RedactedJws>();
  /** Values known to be no secret (`allow`). */
  private readonly allowed = new Set<string>();

  constructor(secrets: Iterable<string> = [], options: RedactorOptions = {}) {
    this.correlate = options.correlate ?? false;
    this.add(...secrets);
  }

  /** What replaces `secret`: `[REDACTED]`, or its own `REDACTED-n` when correlating. A placeholder stays as it is. */
  placeholder(secret: string): string {
    if (!this.correlate) return REDACTED;
    if (isPlaceholder(secret)) return secret;
    let placeholder = this.numbers.get(secret);
    if (placeholder === undefined) {
      this.numbers.set(secret, (placeholder = `REDACTED-${this.numbers.size + 1}`));
      const jws = decodeJws(secret);
      if (jws) this.decoded.set(placeholder, { header: this.value(jws.header), payload: this.value(jws.payload), signed: jws.signature !== '' });
    }
    return placeholder;
  }

  /** The decoded header and claims of the JWT `placeholder` replaced (correlating redactors only). */
  jws(placeholder: string): RedactedJws | undefined {
    return this.decoded.get(placeholder);
  }

  /** Whether it has replaced a JWT so far. */
  get keepsJws(): boolean {
    return this.decoded.size > 0;
  }

  /**
   * A value known to be no secret (one the fuzzer generated): never redacted where it stands as a secret would
   * (a `code_verifier` member, a form field, a query parameter), and not learned from the requests that carry it.
   * The secrets given to the redactor and the tokens it learns from responses stay redacted even if allowed.
   */
  allow(value: string): void {
    this.allowed.add(value);
  }

  /** True when a value standing where a secret would is shown as it is. */
  private shown(value: string): boolean {
    return this.allowed.has(value) && !this.known.has(value);
  }

  /** Values to redact wherever they appear. */
  add(...values: unknown[]): void {
    for (const v of values) {
      // A URL is never a secret as a whole (a fuzzer's `code=http://`); redacting it would hide every address.
      if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH && !NOT_SECRET.test(v) && !isPlaceholder(v) && !this.known.has(v)) {
        this.known.add(v);
        this.sorted = undefined;
      }
    }
  }

  /** Collects the secrets an exchange carries (tokens issued in its response, credentials in its request; what a
   *  request carries that is allowed is not learned). */
  learn(exchange: { request: WireRequest; response?: HttpResponse }): void {
    let fromRequest = true;
    const keep = (...values: unknown[]) => this.add(...(fromRequest ? values.filter((v) => !(typeof v === 'string' && this.allowed.has(v))) : values));
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (isObject(node)) for (const [k, v] of Object.entries(node)) (SECRET_NAMES.has(k) ? keep(v) : collect(v));
    };
    const fromUrl = (value: string | null) => {
      if (!value) return;
      try {
        const url = new URL(value, 'http://x');
        for (const [k, v] of [...url.searchParams, ...(formOf(url.hash.slice(1)) ?? [])]) if (SECRET_NAMES.has(k)) keep(v);
      } catch { /* not a URL */ }
    };
    const fromBody = (text: string, contentType: string | null) => {
      try {
        collect(JSON.parse(text));
      } catch {
        for (const [k, v] of formOf(text, isFormType(contentType)) ?? []) if (SECRET_NAMES.has(k)) keep(v);
      }
    };
    const { request, response } = exchange;
    fromUrl(request.url);
    fromBody(request.body, request.headers.get('content-type'));
    for (const [k, v] of request.headers.entries) {
      const name = k.toLowerCase();
      if (name === 'cookie') this.add(...v.split(/;\s*/).map((pair) => pair.split('=').slice(1).join('=')));
      else if (SECRET_HEADERS.has(name)) this.add(v.replace(/^(Bearer|Basic)\s+/i, ''));
    }
    fromRequest = false;
    if (response) {
      fromBody(response.text, response.headers.get('content-type'));
      for (const [k, v] of response.headers.entries) {
        if (SECRET_HEADERS.has(k.toLowerCase())) this.add(v.split(';')[0]!.split('=').slice(1).join('='));
        else fromUrl(isUrl(v) ? v : null);
      }
    }
  }

  /** Free text: known secrets, then JWT-shaped values and Bearer/Basic credentials. */
  text(text: string): string {
    this.sorted ??= [...this.known].sort((a, b) => b.length - a.length);
    let out = text;
    for (const secret of this.sorted) {
      if (!out.includes(secret)) continue;
      let pattern = this.patterns.get(secret);
      if (!pattern) this.patterns.set(secret, (pattern = new RegExp(`(?<!${TOKEN_CHAR})${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!${TOKEN_CHAR})`, 'g')));
      out = out.replace(pattern, () => this.placeholder(secret));
    }
    return out.replace(JWT_SHAPED, (jwt) => (this.correlate ? this.placeholder(jwt) : '[REDACTED JWT]'))
      .replace(CREDENTIAL, (all, scheme: string, space: string, credential: string) => (isWord(credential) ? all : `${scheme}${space}${this.placeholder(credential)}`));
  }

  /** A JSON value: secret members replaced, every string redacted as text. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_NAMES.has(k) && typeof v === 'string' && v !== '' && !this.shown(v) ? this.placeholder(v) : this.value(v)]));
    }
    return value;
  }

  /** A URL: user information dropped, secret query (and form-like fragment) parameters replaced, the rest redacted as text. */
  url(value: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return this.text(value);
    }
    url.username = '';
    url.password = '';
    const params = (search: URLSearchParams) => [...search]
      .map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_NAMES.has(k) && v !== '' && !this.shown(v) ? this.placeholder(v) : encodeURIComponent(v)}`).join('&');
    const base = url.href.slice(0, url.href.length - url.search.length - url.hash.length);
    const fragment = url.hash.slice(1);
    const hash = fragment && formOf(fragment) ? `#${params(new URLSearchParams(fragment))}` : url.hash;
    return this.text(`${base}${url.search ? `?${params(url.searchParams)}` : ''}${hash}`);
  }

  /** Header fields: credentials after their scheme, every cookie value (Cookie) or the cookie's value (Set-Cookie), URLs as URLs. */
  headers(list: HeaderList): [string, string][] {
    return list.entries.map(([name, value]) => {
      const lower = name.toLowerCase();
      if (lower === 'authorization' || lower === 'proxy-authorization') {
        // `Scheme credentials`; a value alone is a credential, unless it is a scheme's name with nothing after it.
        const credential = /^(\S+)(\s+)(\S.*)$/s.exec(value);
        return [name, credential ? `${credential[1]}${credential[2]}${this.placeholder(credential[3]!)}` : /^[A-Za-z]+$/.test(value) && isWord(value) ? value : this.placeholder(value)];
      }
      const cookie = (pair: string) => pair.replace(/=(.*)$/s, (_all, v: string) => `=${this.placeholder(v)}`);
      if (lower === 'cookie') return [name, value.split(/;\s*/).map(cookie).join('; ')];
      if (SECRET_HEADERS.has(lower)) return [name, value.split(/;\s*/).map((part, i) => (i === 0 ? cookie(part) : part)).join('; ')];
      return [name, isUrl(value) ? this.url(value) : this.text(value)];
    });
  }

  /** A form body's fields, redacted (secret fields replaced, the rest as text); undefined when it is not a form
   *  (`declared`: the body says it is one, by its content type). */
  form(text: string, declared = false): [string, string][] | undefined {
    return formOf(text, declared)?.map(([k, v]) => [k, SECRET_NAMES.has(k) && v !== '' && !this.shown(v) ? this.placeholder(v) : this.text(v)]);
  }

  /** A body: JSON and forms member by member, anything else as text. */
  body(text: string, contentType?: string | null): string {
    if (text === '') return '';
    try {
      return JSON.stringify(this.value(JSON.parse(text)), null, 2);
    } catch { /* not JSON */ }
    const form = this.form(text, isFormType(contentType));
    if (form) return form.map(([k, v]) => `${k}=${v}`).join('&');
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
      const form = isFormType(request.headers.get('content-type')) ? formOf(request.body, true) : undefined;
      if (form) for (const [k, v] of form) parts.push('--data-urlencode', q(`${k}=${SECRET_NAMES.has(k) && !this.shown(v) ? REDACTED : this.text(v)}`));
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
      request: { method: e.request.method, url: this.url(e.request.url), headers: this.headers(e.request.headers), body: this.body(e.request.body, e.request.headers.get('content-type')) },
      curl: this.curl(e.request),
      ...(e.response ? { response: { status: e.response.status, headers: this.headers(e.response.headers), body: this.body(e.response.text, e.response.headers.get('content-type')) } } : {}),
      ...(e.error ? { error: this.text(e.error) } : {}),
      ...(e.ms !== undefined ? { ms: e.ms } : {}),
    };
  }
}
