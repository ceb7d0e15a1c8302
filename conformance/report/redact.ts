/**
 * Structured redaction for every report (conformance, fuzz, proxy) and the HAR: values are redacted where they
 * are, before anything is formatted, truncated or escaped, so that no pattern can run across entries and no
 * escaping can hide a token from it.
 *
 * A value is redacted by what it is and where it stands, never by a list of spellings (rules.ts holds the rules,
 * and `redactionSummary` states them):
 * - where it stands: the value of a header, JSON member (at any depth), form field, query or fragment parameter
 *   (in any URL, relative or absolute, in headers and bodies), XML element, `key: value` line or multipart field
 *   whose name says it holds a secret, in any case style (`accessToken`, `X-Api-Key`, `ACCESS_TOKEN`); the
 *   members of a secret-named object; Cookie values and the Set-Cookie value (names and attributes stay); the
 *   credential after an Authorization scheme (the scheme stays; a scheme alone is no secret); URL userinfo.
 * - what it is: JWTs, Bearer, Basic and other credentials after a scheme in free text, PEM private keys, private
 *   JWK members; the profile's secrets and every secret the run saw (`learn` collects them from each exchange with
 *   the same rules), wherever they appear (a short one where it stands as a token of its own).
 * - inside what: strings that hold JSON, forms or percent-encoded URLs are redacted as such, recursively (bounded
 *   depth); bodies in UTF-16 or another declared charset are decoded first (charset.ts), and a HAR's UTF-16 body
 *   keeps its form.
 * Values that are no secret stay readable: names, token types, scopes, expiry times, error codes and descriptions.
 *
 * A correlating redactor (`new Redactor(secrets, { correlate: true })`, the proxy's and its HAR's) gives each
 * distinct secret its own placeholder, `REDACTED-1`, `REDACTED-2`..., the same wherever the value appears: a
 * redacted record still shows that the code a redirect carried is the one a token request sent, and checks that
 * follow a flow across exchanges (conformance/flow.ts) still can. Its placeholders are made of URL-safe
 * characters, so that a redacted URL, header, cookie or form stays well-formed. It also keeps, for each JWT it
 * replaced, the decoded header and claims (redacted as values; `jws(placeholder)`): they are not secrets (the
 * signature is what makes a JWT a credential), and the checks of a recorded exchange need them.
 *
 * `allow(value)`: a value known to be no secret (a value the fuzzer generated) is never redacted, even where a
 * secret would stand, nor learned from a request; the profile's secrets and the run's tokens (learned from
 * responses) stay redacted even when allowed.
 *
 * Entry points: `new Redactor(secrets, options)`, `learn(exchange)`, `add(...values)`, `allow(value)`, `text(s)`,
 * `value(v)`, `url(s)`, `headers(list)`, `form(text, declared)`, `body(text, contentType, bytes)`, `curl(request)`,
 * `exchange(e)` → `RedactedExchange`, `placeholder(secret)`, `jws(placeholder)`; `isPlaceholder(s)`;
 * `truncate(text, max)`; `REDACTED`, `REDACTED_JWT`, `PLACEHOLDERS`.
 */
import type { HeaderList, HttpResponse, WireRequest } from '../http.js';
import { decodeJws } from '../jwt.js';
import { decodeBody, fromUtf16, toUtf16, utf16In } from './charset.js';
import { curlCommand } from './curl.js';
import { AUTH_SCHEMES, PRIVATE_JWK_MEMBERS, isAuthScheme, isChallengeHeader, isKindName, isSecretHeader, isSecretName, keepsNumber, nameWords } from './rules.js';

export const REDACTED = '[REDACTED]';
export const REDACTED_JWT = '[REDACTED JWT]';
/** The placeholders a correlating redactor writes (`REDACTED-3`), wherever they stand in a text. */
export const PLACEHOLDERS = /REDACTED-\d+(?!\d)/g;
/** True for a placeholder a correlating redactor wrote. */
export const isPlaceholder = (value: string): boolean => /^REDACTED-\d+$/.test(value);
const isAnyPlaceholder = (value: string) => value === REDACTED || value === REDACTED_JWT || isPlaceholder(value);

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

/** `text` cut to `max` characters, saying how much was left out. Call it on redacted text only. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

const isFormType = (contentType: string | null | undefined) => /^\s*application\/x-www-form-urlencoded/i.test(contentType ?? '');

/**
 * The fields of a form body. A body declared as a form is parsed as URLSearchParams parses it, whatever its
 * shape (a trailing `&`, a bare field, spaces); an undeclared one only when it looks like a form.
 */
function formOf(text: string, declared = false): [string, string][] | undefined {
  if (!declared && !/^[^=&\s]+(=[^&\s]*)?(&([^=&\s]+(=[^&\s]*)?)?)*$/.test(text.trim())) return undefined;
  return [...new URLSearchParams(text.trim())];
}

/** A body's text: decoded by its BOM or declared charset (`bytes`), or from UTF-16 read one byte per character. */
function decoded(text: string, contentType?: string | null, bytes?: Uint8Array): string {
  const body = (bytes && decodeBody(bytes, contentType)) ?? text;
  const utf16 = utf16In(body);
  return utf16 ? fromUtf16(body, utf16) : body;
}

/** Shorter values are not learned: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** A known secret at least this long is redacted anywhere; a shorter one only where it stands as a token of its
 *  own (a password `sandbox` leaves the path `/_sandbox/authorize` alone). */
const ANYWHERE_LENGTH = 12;
/** Values never learned as secrets: URLs and scheme prefixes (`http://`), blank or punctuation-only text. */
const NOT_SECRET = /^(?:[a-z][a-z0-9+.-]*:\/\/\S*|[\s\p{P}\p{S}]*)$/iu;
/** How deep strings inside strings (JSON in JSON, an encoded URL in a form) are opened. */
const MAX_DEPTH = 4;
/** How deep a JSON document is walked; deeper, it is redacted as text. */
const MAX_LEVEL = 256;
class TooDeep extends Error {}

const TOKEN_CHAR = /[A-Za-z0-9_-]/;
/** Prose after a scheme's name (`a bearer token`, `Bearer ...`), not a credential. */
const isWord = (s: string) => s.length < 8 || /^[a-z]+$/.test(s);
const LOWERCASE_WORD = /^[a-z]{1,11}$/;
/** HTML elements whose names would read as secret-named XML elements. */
const HTML_ELEMENTS = new Set(['code', 'kbd', 'samp', 'var', 'data']);
/** Attributes that name an element, and those that hold its value. */
const NAMING_ATTRIBUTES = new Set(['name', 'id', 'property', 'itemprop', 'key', 'for']);
const VALUE_ATTRIBUTES = new Set(['value', 'content', 'data-value']);
/** Members of an object that name a pair (`{"name": "X-Api-Key", "value": "…"}`: HAR, Postman, form lists), and
 *  those that hold its value. */
const PAIR_NAMES = ['name', 'key', 'field', 'header', 'type', 'kind'];
const PAIR_VALUES = new Set(['value', 'val', 'content']);
/** A base64 token with its padding: a value, not `name=value`. */
const PADDED_TOKEN = /^[A-Za-z0-9+/_.~-]{12,}={1,2}$/;
const COOKIE_ATTRIBUTES = new Set(['expires', 'max-age', 'domain', 'path', 'secure', 'httponly', 'samesite', 'priority', 'partitioned', 'comment', 'version']);

const schemeAlternation = AUTH_SCHEMES.map((s) => s.replace(/[-]/g, '\\-')).join('|');
const PATTERNS = {
  pem: /(-----BEGIN ([A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*)-----)([\s\S]*?)(-----END \2-----|$)/g,
  jwt: /(?<![A-Za-z0-9_-])e[wyz][A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?/g,
  // A part's header lines are few: bounded, so that text with many Content-Disposition lines and no blank line is
  // one pass.
  multipart: /(Content-Disposition:[^\r\n]*?\bname="([^"]*)"[^\r\n]*(?:\r?\n[^\r\n]+){0,16}\r?\n\r?\n)([\s\S]*?)(?=\r?\n--|$)/gi,
  xml: /<((?:[\w.-]+:)?([A-Za-z_][\w.-]*))(\s[^<>]*)?>([^<]+)<\/\1>/g,
  member: /"([^"\\\n]{1,200})"(\s*:\s*)("(?:[^"\\\n]|\\.)*"|-?\d[\d.eE+-]*)/g,
  escapedMember: /(\\+)"([^"\\\n]{1,200})\1"(\s*:\s*)\1"(.*?)\1"/g,
  singleMember: /'([^'\\\n]{1,200})'(\s*:\s*)('(?:[^'\\\n]|\\.)*')/g,
  line: /^([ \t]*)([A-Za-z][A-Za-z0-9_.-]*)([ \t]*:[ \t]*)(\S[^\r\n]*)/gm,
  bareKey: /(^|[{,\s])([A-Za-z_$][\w$-]*)(\s*:\s*)("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/g,
  credential: new RegExp(`\\b(${schemeAlternation})(\\s+)([A-Za-z0-9._~+/-]+=*)(?=$|[\\s,;)\\]}<>"'\\\\])`, 'gi'),
  userinfo: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>\\]+)@/gi,
  pair: /(^|[^A-Za-z0-9_.%~[\]-])([A-Za-z_][A-Za-z0-9_.%~[\]-]*)([ \t]*=[ \t]*)/g,
  tag: /<[A-Za-z][\w:.-]*(?:\s+[^<>]*?)?\/?>/g,
  attribute: /([A-Za-z_:][\w:.-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>=`]+)/g,
};
/** The value after `name=`: quoted, or up to what ends a parameter (UNQUOTED_VALUE). */
const QUOTED_VALUE = /"[^"\n]*"|'[^'\n]*'/y;
const UNQUOTED_VALUE = /[^\s&#;,"'<>\\()[\]{}|^`]*/y;

/** Rolling hash of the first MIN_SECRET_LENGTH characters, to find known secrets in one pass over a text. */
const HASH_BASE = 257;
const HASH_MOD = 2147483647;
const HASH_TOP = Array.from({ length: MIN_SECRET_LENGTH - 1 }).reduce<number>((p) => (p * HASH_BASE) % HASH_MOD, 1);
const hashAt = (text: string, at: number) => {
  let h = 0;
  for (let i = at; i < at + MIN_SECRET_LENGTH; i++) h = (h * HASH_BASE + text.charCodeAt(i)) % HASH_MOD;
  return h;
};

export class Redactor {
  private readonly known = new Set<string>();
  /** Encoded forms of known secrets (percent-encoded, JSON-escaped) → the secret. */
  private readonly aliases = new Map<string, string>();
  private readonly index = new Map<number, string[]>();
  private readonly allowed = new Set<string>();
  private readonly correlate: boolean;
  private readonly numbers = new Map<string, string>();
  private readonly decoded = new Map<string, RedactedJws>();
  /** Set while `learn` walks an exchange: found secrets are collected, nothing is replaced. */
  private collecting: 'request' | 'response' | undefined;
  private changes = 0;
  private depth = 0;

  constructor(secrets: Iterable<string> = [], options: RedactorOptions = {}) {
    this.correlate = options.correlate ?? false;
    this.add(...secrets);
  }

  /** What replaces `secret`: `[REDACTED]`, or its own `REDACTED-n` when correlating. A placeholder stays as it is. */
  placeholder(secret: string): string {
    if (!this.correlate) return REDACTED;
    if (isPlaceholder(secret)) return secret;
    const canonical = this.aliases.get(secret) ?? secret;
    let placeholder = this.numbers.get(canonical);
    if (placeholder === undefined) {
      this.numbers.set(canonical, (placeholder = `REDACTED-${this.numbers.size + 1}`));
      const jws = decodeJws(canonical);
      if (jws) this.decoded.set(placeholder, { header: this.value(jws.header), payload: this.value(jws.payload), signed: jws.signature !== '' });
    }
    return placeholder;
  }

  /** The decoded header and claims of the JWT `placeholder` replaced (correlating redactors only). */
  jws(placeholder: string): RedactedJws | undefined {
    return this.decoded.get(placeholder);
  }

  /** Changes whenever what it redacts changes (a secret added or learned, a value allowed): a redacted report
   *  made at the same generation is the same. */
  get generation(): number {
    return this.known.size * 1_000_003 + this.allowed.size;
  }

  /** Whether it gives each secret its own `REDACTED-n`. */
  get correlating(): boolean {
    return this.correlate;
  }

  /** Whether it has replaced a JWT so far. */
  get keepsJws(): boolean {
    return this.decoded.size > 0;
  }

  /** Values to redact wherever they appear (the profile's secrets, a session cookie), even if allowed. */
  add(...values: unknown[]): void {
    for (const v of values) {
      // A URL is never a secret as a whole (a fuzzer's `code=http://`); redacting it would hide every address.
      if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH || NOT_SECRET.test(v) || isAnyPlaceholder(v) || isAuthScheme(v) || this.known.has(v)) continue;
      this.index_(v, v);
      for (const form of new Set([encodeURIComponent(v), JSON.stringify(v).slice(1, -1), v.replace(/\//g, '\\/')])) {
        if (form !== v && !this.known.has(form)) {
          this.aliases.set(form, v);
          this.index_(form, v);
        }
      }
    }
  }

  private index_(form: string, secret: string): void {
    this.known.add(form);
    if (form !== secret) this.known.add(secret);
    const h = hashAt(form, 0);
    const bucket = this.index.get(h);
    if (!bucket) this.index.set(h, [form]);
    else {
      const at = bucket.findIndex((s) => s.length < form.length);
      bucket.splice(at < 0 ? bucket.length : at, 0, form);
    }
  }

  /** A value known to be no secret (a generated value): never redacted where a secret would stand, never learned
   *  from a request. A known secret (the profile's, a token the run was issued) stays redacted. */
  allow(value: string): void {
    this.allowed.add(value);
  }

  /** Whether `value` stays as it is where a secret would stand: allowed, and no known secret. While learning from a
   *  response, nothing is: a token the run is issued is a secret, allowed or not. */
  private isAllowed(value: string): boolean {
    return this.collecting !== 'response' && this.allowed.has(value) && !this.known.has(value);
  }

  /** Collects the secrets an exchange carries (tokens issued in its response, credentials in its request), by the
   *  same rules as the redaction. */
  learn(exchange: { request: WireRequest; response?: HttpResponse }): void {
    const { request, response } = exchange;
    const previous = this.collecting;
    try {
      // Bodies as text: JSON, forms and the rest are found by the same rules, with nothing to format.
      this.collecting = 'request';
      this.url(request.url);
      this.headers(request.headers);
      this.text(decoded(request.body, request.headers.get('content-type')));
      if (response) {
        this.collecting = 'response';
        this.headers(response.headers);
        this.text(decoded(response.text, response.headers.get('content-type'), response.bytes));
      }
    } finally {
      this.collecting = previous;
    }
  }

  /** The one replacement: a secret found where it stands. */
  private secret(value: string): string {
    if (value === '' || isAnyPlaceholder(value)) return value;
    if (this.collecting) {
      // A lowercase word (`openid`, `deleted`) is redacted where it stands, not learned: it would hide that word
      // everywhere. Tokens, codes and secrets are not words.
      const forms = [value];
      if (/%[0-9a-f]{2}|\+/i.test(value)) {
        try {
          forms.push(decodeURIComponent(value.replace(/\+/g, ' ')), decodeURIComponent(value));
        } catch { /* not percent-encoded */ }
      }
      // An allowed value is not learned in any of its forms (a generated value, form-encoded in a request body).
      if (!forms.some((form) => this.isAllowed(form)) && !LOWERCASE_WORD.test(value)) this.add(...forms);
      return value;
    }
    if (this.isAllowed(value)) return value;
    this.changes++;
    return this.placeholder(value);
  }

  private jwt(value: string): string {
    if (this.collecting || this.isAllowed(value)) return value;
    const header = value.slice(0, value.indexOf('.'));
    if (!Buffer.from(header, 'base64url').toString('latin1').trimStart().startsWith('{')) return value;
    this.changes++;
    return this.correlate ? this.placeholder(value) : REDACTED_JWT;
  }

  /** Runs `f` one level deeper into strings inside strings; undefined past the bound. */
  private nested<T>(f: () => T): T | undefined {
    if (this.depth >= MAX_DEPTH) return undefined;
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** Free text: a UTF-16 or JSON text as such; otherwise every pattern of where a secret stands, then the known
   *  secrets and JWTs wherever they are. */
  text(text: string): string {
    if (text === '') return text;
    const utf16 = utf16In(text);
    if (utf16) {
      const before = this.changes;
      const out = this.nested(() => this.text(fromUtf16(text, utf16)));
      if (out !== undefined && this.changes !== before) return toUtf16(out, utf16, text);
    }
    const json = this.jsonText(text);
    return json ?? this.patterns(text);
  }

  /** A text that is JSON, redacted as a JSON value (the same text when nothing in it is secret). */
  private jsonText(text: string): string | undefined {
    const first = /\S/.exec(text)?.[0];
    if (first !== '{' && first !== '[' && first !== '"') return undefined;
    // JSON.parse refuses a byte order mark, which some servers send.
    const bom = text.startsWith('\ufeff') ? '\ufeff' : '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(bom.length));
    } catch {
      return undefined;
    }
    const before = this.changes;
    try {
      const walked = this.nested(() => this.walk(parsed, false, 0));
      if (walked === undefined) return undefined;
      if (this.changes === before) return text;
      return bom + JSON.stringify(walked, null, text.includes('\n') ? 2 : undefined);
    } catch (error) {
      if (error instanceof TooDeep) return undefined;
      throw error;
    }
  }

  private patterns(input: string): string {
    let text = input;
    const p = PATTERNS;
    if (text.includes('-----BEGIN')) text = text.replace(p.pem, (_a, begin: string, _l, body: string, end: string) => `${begin}${this.secret(body)}${end}`);
    if (/e[wyz]/.test(text)) text = text.replace(p.jwt, (jwt) => this.jwt(jwt));
    if (/content-disposition/i.test(text)) text = text.replace(p.multipart, (all, head: string, name: string, content: string) => (isSecretName(name) ? `${head}${this.secret(content)}` : all));
    if (text.includes('<')) text = text.replace(p.tag, (tag) => this.tag(tag));
    if (text.includes('</')) {
      // In HTML, `<code>` is no authorization code.
      const html = /<!doctype html|<html[\s>]|<body[\s>]|<p>/i.test(text);
      text = text.replace(p.xml, (all, qname: string, local: string, attrs: string | undefined, content: string) => (isSecretName(local) && !(html && HTML_ELEMENTS.has(qname.toLowerCase())) ? `<${qname}${attrs ?? ''}>${this.named(local, content)}</${qname}>` : all));
    }
    if (text.includes(':')) text = this.members(text);
    text = text.replace(p.credential, (all, scheme: string, space: string, credential: string, at: number, whole: string) => {
      // `error="…"` after a challenge's scheme is an auth-param, not a token68.
      const param = /^[a-z][a-z_-]*=$/.test(credential) && /["']/.test(whole[at + all.length] ?? '');
      return isWord(credential) || param ? all : `${scheme}${space}${this.credentialPart(scheme, credential)}`;
    });
    if (text.includes('@')) text = text.replace(p.userinfo, (_a, scheme: string, userinfo: string) => `${scheme}${this.secret(userinfo)}@`);
    if (text.includes('=')) text = this.pairs(text);
    if (!this.collecting) text = this.scanKnown(text);
    return text;
  }

  /** An HTML or XML tag whose `name`, `id` or `property` says secret (`<input name="code" value="…">`, `<meta
   *  name="csrf-token" content="…">`), or whose own name does (`<accessToken value="…"/>`): its `value` and
   *  `content` are. */
  private tag(tag: string): string {
    const attributes = [...tag.matchAll(PATTERNS.attribute)];
    const unquote = (v: string) => (v[0] === '"' || v[0] === "'" ? v.slice(1, -1) : v);
    const element = /^<([\w:.-]+)/.exec(tag)![1]!;
    const named = attributes.find(([, k, v]) => NAMING_ATTRIBUTES.has(k!.toLowerCase()) && isSecretName(unquote(v!)))
      // HTML's `<data value>` is no secret; no other HTML element of a secret name has a value.
      ?? (isSecretName(element) && element.toLowerCase() !== 'data' ? [element, 'name', element] : undefined);
    if (!named) return tag;
    return tag.replace(PATTERNS.attribute, (all, k: string, v: string) => {
      if (!VALUE_ATTRIBUTES.has(k.toLowerCase())) return all;
      const quote = v[0] === '"' || v[0] === "'" ? v[0] : '';
      return `${k}=${quote}${this.named(unquote(named[2]!), unquote(v))}${quote}`;
    });
  }

  /** `"name": value` (also escaped, single-quoted, unquoted keys) and `Name: value` lines. */
  private members(input: string): string {
    const p = PATTERNS;
    const member = (name: string, value: string, quote: string) => {
      if (!isSecretName(name)) return undefined;
      if (!value.startsWith(quote)) return keepsNumber(name) ? value : `"${this.secret(value)}"`;
      return `${quote}${this.named(name, value.slice(1, -1))}${quote}`;
    };
    let text = input;
    if (text.includes('"')) {
      text = text.replace(p.member, (all, name: string, sep: string, value: string) => { const v = member(name, value, '"'); return v === undefined ? all : `"${name}"${sep}${v}`; })
        .replace(p.escapedMember, (all, esc: string, name: string, sep: string, value: string) => (isSecretName(name) ? `${esc}"${name}${esc}"${sep}${esc}"${this.named(name, value)}${esc}"` : all));
    }
    if (text.includes("'")) text = text.replace(p.singleMember, (all, name: string, sep: string, value: string) => { const v = member(name, value, "'"); return v === undefined ? all : `'${name}'${sep}${v}`; });
    text = text.replace(p.line, (all, indent: string, name: string, sep: string, value: string) => (isSecretName(name) ? `${indent}${name}${sep}${this.headerValue(name, value)}` : all))
      .replace(p.bareKey, (all, before: string, name: string, sep: string, value: string) => (isSecretName(name) ? `${before}${name}${sep}${value[0]}${this.named(name, value.slice(1, -1))}${value[0]}` : all));
    return text;
  }

  /** `name=value` wherever it stands: query strings and fragments of any URL, forms, cookies, auth-params. A value
   *  that is no secret is not consumed (it may hold a URL with parameters of its own); one that is percent-encoded
   *  (a URL or JSON in a parameter) is opened and redacted as text. */
  private pairs(text: string): string {
    const re = new RegExp(PATTERNS.pair.source, 'g');
    const quoted = new RegExp(QUOTED_VALUE.source, 'y');
    const unquoted = new RegExp(UNQUOTED_VALUE.source, 'y');
    // The pairs inside a value that is not consumed start inside it: where that unquoted run ends, and the next
    // `%`, are found once per run, so that a long run of pairs (`a=a=a=...`) costs one pass, not one per pair.
    let runEnd = -1;
    let percent = -1;
    const valueAt = (start: number): string => {
      if (text[start] === '"' || text[start] === "'") {
        quoted.lastIndex = start;
        return quoted.exec(text)?.[0] ?? '';
      }
      if (start >= runEnd) {
        unquoted.lastIndex = start;
        runEnd = start + unquoted.exec(text)![0].length;
      }
      return text.slice(start, runEnd);
    };
    const hasPercent = (start: number, end: number) => {
      if (percent < start) {
        const at = text.indexOf('%', start);
        percent = at < 0 ? Infinity : at;
      }
      return percent < end;
    };
    let out = '';
    let last = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const name = m[2]!;
      const start = m.index + m[0].length;
      const value = valueAt(start);
      if (value === '') continue;
      let replaced: string | undefined;
      if (isSecretName(name)) {
        const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
        if (!quote && keepsNumber(name) && /^\d+$/.test(value)) continue;
        replaced = `${quote}${this.named(name, quote ? value.slice(1, -1) : value)}${quote}`;
      } else if (hasPercent(start, start + value.length)) replaced = this.encoded(value);
      if (replaced === undefined || replaced === value) continue;
      out += text.slice(last, start) + replaced;
      last = re.lastIndex = start + value.length;
    }
    return last === 0 ? text : out + text.slice(last);
  }

  /** A percent-encoded value opened (as many times as it was encoded, up to the depth bound) and redacted as
   *  text; undefined when nothing in it is secret. */
  private encoded(value: string): string | undefined {
    let decoded = value;
    let times = 0;
    try {
      while (times < MAX_DEPTH && /%[0-9a-f]{2}/i.test(decoded)) {
        decoded = decodeURIComponent(times ? decoded : decoded.replace(/\+/g, ' '));
        times++;
      }
    } catch {
      if (times === 0) return undefined;
    }
    const changes = this.changes;
    const inner = this.nested(() => this.text(decoded));
    if (inner === undefined || this.changes === changes) return undefined;
    let out = inner;
    for (let i = 0; i < times; i++) out = encodeURIComponent(out);
    return out;
  }

  /** Every known secret (and its encoded forms) in one pass: a rolling hash of each window of the text. */
  private scanKnown(text: string): string {
    if (this.index.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    let out = '';
    let last = 0;
    let h = hashAt(text, 0);
    for (let i = 0; i + MIN_SECRET_LENGTH <= text.length;) {
      const found = this.index.get(h)?.find((s) => text.startsWith(s, i) && (s.length >= ANYWHERE_LENGTH || (!TOKEN_CHAR.test(text[i - 1] ?? '') && !TOKEN_CHAR.test(text[i + s.length] ?? ''))));
      if (found) {
        out += text.slice(last, i) + (this.isAllowed(found) ? found : (this.changes++, this.placeholder(found)));
        last = i += found.length;
        if (i + MIN_SECRET_LENGTH <= text.length) h = hashAt(text, i);
        continue;
      }
      if (i + MIN_SECRET_LENGTH < text.length) {
        h = (h - ((text.charCodeAt(i) * HASH_TOP) % HASH_MOD) + HASH_MOD) % HASH_MOD;
        h = (h * HASH_BASE + text.charCodeAt(i + MIN_SECRET_LENGTH)) % HASH_MOD;
      }
      i++;
    }
    return last === 0 ? text : out + text.slice(last);
  }

  /** The value of a secret-named member, field or parameter: a cookie keeps its names, a credential its scheme. */
  private named(name: string, value: string): string {
    if (value === '' || this.isAllowed(value)) return value;
    if (/cookie/.test(nameWords(name).at(-1) ?? '') && value.includes('=')) return this.cookies(value);
    return this.credential(value, false);
  }

  /** A credential: `Scheme credentials` keeps its scheme (any token for Authorization, a known one elsewhere); a
   *  scheme alone is no secret. */
  private credential(value: string, authorization: boolean): string {
    if (this.isAllowed(value)) return value;
    const m = /^(\S+)(\s+)(\S[\s\S]*)$/.exec(value);
    if (m && (isAuthScheme(m[1]!) || (authorization && /^[A-Za-z][A-Za-z-]{0,15}$/.test(m[1]!)))) return `${m[1]}${m[2]}${this.credentialPart(m[1]!, m[3]!)}`;
    if (isAuthScheme(value.trim())) return value;
    return this.secret(value);
  }

  /** The credential after `scheme`; learning a Basic one also learns the secret it encodes. */
  private credentialPart(scheme: string, credential: string): string {
    if (this.collecting && /^basic$/i.test(scheme)) {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const secret = decoded.slice(decoded.indexOf(':') + 1);
      if (decoded.includes(':')) this.secret(secret);
    }
    return this.secret(credential);
  }

  /** `a=1; b=2`: every value redacted, the names kept; a part without a name is a value (a long token whose only
   *  `=` is its base64 padding too). */
  private cookies(value: string): string {
    return value.split(/(;\s*)/).map((part, i) => {
      if (i % 2 === 1 || part.trim() === '') return part;
      const eq = part.indexOf('=');
      return eq < 0 || PADDED_TOKEN.test(part.trim()) ? this.secret(part) : `${part.slice(0, eq + 1)}${this.secret(part.slice(eq + 1))}`;
    }).join('');
  }

  /** Set-Cookie: the cookie's value redacted, its name and known attributes kept (an unknown attribute is redacted:
   *  it may be a second cookie folded into the field). */
  private setCookies(value: string): string {
    return value.split(/(,\s*)(?=[^;,=\s]+=)/).map((cookie, i) => (i % 2 === 1 ? cookie : cookie.split(/(;\s*)/).map((part, j) => {
      if (j === 0) return this.cookies(part);
      const eq = part.indexOf('=');
      return j % 2 === 1 || eq < 0 || COOKIE_ATTRIBUTES.has(part.slice(0, eq).trim().toLowerCase()) ? part : `${part.slice(0, eq + 1)}${this.secret(part.slice(eq + 1))}`;
    }).join(''))).join('');
  }

  /** A header's value, by its name. */
  private headerValue(name: string, value: string): string {
    const lower = name.toLowerCase();
    if (lower === 'cookie') return this.cookies(value);
    if (lower === 'set-cookie' || lower === 'set-cookie2') return this.setCookies(value);
    if (isChallengeHeader(lower) || !isSecretHeader(name)) return this.text(value);
    if (lower.includes('cookie') && value.includes('=')) return this.cookies(value);
    return this.credential(value, lower.endsWith('authorization'));
  }

  /** A parsed JSON value: secret-named members replaced (whatever the case style), private JWK members, the value
   *  of a name/value pair so named, the strings of a secret-named object (but those naming its kind), every other
   *  string redacted as text. */
  private walk(value: unknown, inSecret: boolean, level: number): unknown {
    if (level > MAX_LEVEL) throw new TooDeep();
    if (typeof value === 'string') return inSecret ? this.credential(value, false) : this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, inSecret, level + 1));
    if (!isObject(value)) return inSecret && typeof value === 'number' ? this.secret(String(value)) : value;
    const jwk = typeof value.kty === 'string';
    const pairName = PAIR_NAMES.map((n) => value[n]).find((n): n is string => typeof n === 'string' && (isSecretName(n) || isSecretHeader(n)));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => {
      const key = this.collecting ? k : this.scanKnown(k.includes('.') ? k.replace(PATTERNS.jwt, (jwt) => this.jwt(jwt)) : k);
      if (jwk && PRIVATE_JWK_MEMBERS.has(k)) return [key, typeof v === 'string' ? this.secret(v) : this.walk(v, true, level + 1)];
      if (pairName !== undefined && PAIR_VALUES.has(k) && typeof v === 'string') return [key, isSecretHeader(pairName) && !isSecretName(pairName) ? this.headerValue(pairName, v) : this.named(pairName, v)];
      if (isSecretName(k)) {
        if (typeof v === 'string') return [key, this.named(k, v)];
        if (typeof v === 'number') return [key, keepsNumber(k) ? v : this.secret(String(v))];
        return [key, this.walk(v, true, level + 1)];
      }
      return [key, this.walk(v, inSecret && !jwk && !isKindName(k), level + 1)];
    }));
  }

  /** A JSON value: secret members replaced, every string redacted as text. */
  value(value: unknown): unknown {
    try {
      return this.walk(value, false, 0);
    } catch (error) {
      if (error instanceof TooDeep) return REDACTED;
      throw error;
    }
  }

  /** A URL, relative or absolute: userinfo, secret query and fragment parameters, known secrets. */
  url(value: string): string {
    return this.text(value);
  }

  /** Header fields: secret-named ones (credentials after their scheme, cookies by value), the others as text. */
  headers(list: HeaderList): [string, string][] {
    return list.entries.map(([name, value]) => [name, this.headerValue(name, value)]);
  }

  /** A form body's fields, redacted (secret fields replaced, the rest as text); undefined when it is not a form
   *  (`declared`: the body says it is one, by its content type). */
  form(text: string, declared = false): [string, string][] | undefined {
    return formOf(text, declared)?.map(([k, v]) => [this.collecting ? k : this.scanKnown(k), isSecretName(k) ? this.named(k, v) : this.text(v)]);
  }

  /** A body to show: decoded by its BOM or declared charset (`bytes`), JSON member by member (indented), a form
   *  field by field, anything else as text. */
  body(text: string, contentType?: string | null, bytes?: Uint8Array): string {
    const body = decoded(text, contentType, bytes);
    if (body === '') return '';
    try {
      return JSON.stringify(this.walk(JSON.parse(body), false, 0), null, 2);
    } catch (error) {
      if (!(error instanceof SyntaxError) && !(error instanceof TooDeep)) throw error;
    }
    const form = isFormType(contentType) ? this.form(body, true) : undefined;
    if (form) return form.map(([k, v]) => `${k}=${v}`).join('&');
    return this.text(body);
  }

  /** The request as a curl command (curl.ts), redacted the same way: a form field by field, JSON compact. */
  curl(request: WireRequest): string {
    const form = request.body !== '' && isFormType(request.headers.get('content-type')) ? this.form(request.body, true) : undefined;
    let body: string | undefined;
    let json = false;
    if (!form && request.body !== '') {
      try {
        body = JSON.stringify(this.walk(JSON.parse(request.body), false, 0));
        json = true;
      } catch {
        body = this.text(request.body);
      }
    }
    return curlCommand({ method: request.method, url: this.url(request.url), headers: this.headers(request.headers), ...(form ? { form } : {}), ...(body !== undefined ? { body, json } : {}) });
  }

  exchange(e: RecordedExchange): RedactedExchange {
    const { request, response } = e;
    return {
      ...(e.label ? { label: e.label } : {}),
      request: { method: request.method, url: this.url(request.url), headers: this.headers(request.headers), body: this.body(request.body, request.headers.get('content-type')) },
      curl: this.curl(request),
      ...(response ? { response: { status: response.status, headers: this.headers(response.headers), body: this.body(response.text, response.headers.get('content-type'), response.bytes) } } : {}),
      ...(e.error ? { error: this.text(e.error) } : {}),
      ...(e.ms !== undefined ? { ms: e.ms } : {}),
    };
  }
}
