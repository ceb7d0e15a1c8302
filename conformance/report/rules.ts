/**
 * What the redaction treats as a secret, by what a name says and what a value is: the one home of the rules that
 * the Redactor (redact.ts) applies and that the reports' footer states (`redactionSummary`), so that the two
 * cannot drift.
 *
 * A name (JSON member, form field, query or fragment parameter, XML element, header, cookie) is read as words
 * whatever its case style: `accessToken`, `access-token`, `ACCESS_TOKEN`, `AccessToken` and `access_token` are
 * all `access token`. Its value is a secret when its last word is one of `SECRET_WORDS` (or ends with one, for
 * glued compounds such as `apikey` or `jsessionid`; plurals too), is one of `SECRET_SHORT_WORDS`, is `code` alone
 * or after one of `CODE_QUALIFIERS` (`code`, `device_code`, not `postal_code` nor `error_code`), or is one of
 * `VALUE_WORDS` after a secret word (`session_id`, `cookie_value`). So `token_type`, `token_endpoint`,
 * `expires_in`, `scope` or `error_description` stay readable: their last word names no secret.
 *
 * Entry points: `nameWords(name)`, `isSecretName(name)`, `isSecretHeader(name)`, `isChallengeHeader(name)`,
 * `isKindName(name)`, `isAuthScheme(word)`, `keepsNumber(name)`, `PRIVATE_JWK_MEMBERS`, `redactionSummary(correlate)`.
 */

/** Last words whose value is a secret; a glued last word ending with one counts (`accesstoken`, `jsessionid`). */
export const SECRET_WORDS = ['token', 'secret', 'password', 'passwd', 'passphrase', 'passcode', 'assertion', 'verifier', 'cookie', 'session', 'sessionid', 'sessid', 'credential', 'apikey', 'privatekey'] as const;
/** Last words whose value is a secret only as a whole word (too short to be matched at the end of another). */
export const SECRET_SHORT_WORDS = ['key', 'pwd', 'pass', 'pin', 'otp', 'sid', 'auth', 'authorization', 'csrf', 'xsrf'] as const;
/** Words before a last word `code` that make it an authorization or one-time code. */
const CODE_QUALIFIERS = ['auth', 'authorization', 'authorisation', 'device', 'user', 'verification', 'otp', 'mfa', 'sms', 'activation', 'recovery', 'backup', 'login', 'access', 'reset', 'confirmation', 'security', 'onetime'] as const;
/** Last words that hold the value of what a secret word before them names (`session_id`, `token_value`). */
export const VALUE_WORDS = ['id', 'value', 'val', 'string', 'str', 'raw', 'data'] as const;
/** Header names that say they hold a secret, wherever the word stands in the name (`X-Api-Key`, `X-Auth-Token`). */
export const SECRET_HEADER_WORDS = ['key', 'token', 'secret', 'auth', 'session', 'cookie', 'password', 'passwd', 'credential'] as const;
/** Challenges, not credentials: their scheme and parameters stay readable (`Bearer error="invalid_token"`), a
 *  secret-named parameter or a token68 after the scheme does not. */
const CHALLENGE_HEADERS = new Set(['www-authenticate', 'proxy-authenticate']);
/** Members of a secret-named object or list that name its kind, not its value: kept (`{"token": {"type": ...}}`). */
const KIND_WORDS = ['type', 'typ', 'kind', 'scope', 'scopes', 'alg', 'enc', 'kid', 'kty', 'use', 'method', 'in', 'at', 'exp', 'iat', 'nbf', 'time', 'date', 'expires', 'expiry', 'error', 'description', 'message', 'name', 'uri', 'url', 'endpoint', 'hint', 'status', 'issuer', 'iss', 'aud', 'audience', 'path', 'domain', 'secure', 'httponly', 'samesite', 'format', 'version'] as const;
/** Authorization schemes (the IANA registry, and a few in common use): kept before a credential, never learned. */
export const AUTH_SCHEMES = ['basic', 'bearer', 'concealed', 'digest', 'dpop', 'gnap', 'hoba', 'mutual', 'negotiate', 'ntlm', 'oauth', 'privatetoken', 'scram-sha-1', 'scram-sha-256', 'vapid', 'token', 'mac', 'apikey', 'aws4-hmac-sha256'] as const;
/** Members of a JWK (an object with `kty`) that are private key material (RFC 7518 section 6). */
export const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

const secretWords = new Set<string>(SECRET_WORDS);
const shortWords = new Set<string>(SECRET_SHORT_WORDS);
const qualifiers = new Set<string>(CODE_QUALIFIERS);
const valueWords = new Set<string>(VALUE_WORDS);
const kindWords = new Set<string>(KIND_WORDS);
const schemes = new Set<string>(AUTH_SCHEMES);

/** The words of a name, lower case, whatever its case style: `XApiKey`, `x_api_key`, `X-API-KEY` → x api key. */
export function nameWords(name: string): string[] {
  let decoded = name;
  if (name.includes('%')) {
    try {
      decoded = decodeURIComponent(name);
    } catch { /* kept as it is */ }
  }
  // An XML namespace prefix (`ns:access_token`) or a JSON-LD / PHP decoration (`@token`, `$secret`) says nothing.
  const local = decoded.slice(decoded.lastIndexOf(':') + 1);
  return local.replace(/([a-z\d])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase()
    .split(/[^a-z\d]+/).map((w) => w.replace(/\d+$/, '')).filter(Boolean);
}

const singular = (word: string) => (word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word);
const saysSecret = (word: string) => {
  const w = singular(word);
  if (shortWords.has(word) || shortWords.has(w)) return true;
  for (const s of secretWords) if (w.endsWith(s) || word.endsWith(s)) return true;
  return false;
};

function wordsAreSecret(all: string[]): boolean {
  // `X-` says nothing of what follows it (`X-Code` is a `code`).
  const words = all[0] === 'x' ? all.slice(1) : all;
  const last = words.at(-1);
  if (last === undefined) return false;
  if (saysSecret(last)) return true;
  if (singular(last) === 'code') return words.length === 1 || qualifiers.has(words.at(-2)!);
  // `key_id` names a key, not its value.
  if (valueWords.has(last)) return words.slice(0, -1).some((w) => w !== 'key' && saysSecret(w));
  // Glued compounds: `devicecode`, `cookievalue`.
  const glued = (ends: Iterable<string>, before: (prefix: string) => boolean) => [...ends].some((end) => last.endsWith(end) && last.length > end.length && before(last.slice(0, -end.length)));
  return glued(['code', 'codes'], (prefix) => qualifiers.has(prefix)) || glued(valueWords, (prefix) => prefix !== 'key' && saysSecret(prefix));
}

const cache = new Map<string, boolean>();
const cached = (key: string, compute: () => boolean): boolean => {
  let result = cache.get(key);
  if (result === undefined) {
    result = compute();
    if (cache.size > 50_000) cache.clear();
    cache.set(key, result);
  }
  return result;
};

/** Whether the value of a member, field, parameter or element of this name is a secret. */
export const isSecretName = (name: string): boolean => cached(`n:${name}`, () => wordsAreSecret(nameWords(name)));

/** Whether a header of this name holds a secret (not a challenge: see `isChallengeHeader`). */
export const isSecretHeader = (name: string): boolean => cached(`h:${name}`, () => {
  const lower = name.toLowerCase();
  if (CHALLENGE_HEADERS.has(lower)) return false;
  return SECRET_HEADER_WORDS.some((w) => lower.includes(w)) || wordsAreSecret(nameWords(name));
});

/** `WWW-Authenticate`, `Proxy-Authenticate`. */
export const isChallengeHeader = (name: string): boolean => CHALLENGE_HEADERS.has(name.toLowerCase());

/** Whether a member names the kind, time or scope of what holds it (kept inside a secret-named object). */
export const isKindName = (name: string): boolean => cached(`k:${name}`, () => {
  const words = nameWords(name);
  return words.length > 0 && kindWords.has(words.at(-1)!) && !wordsAreSecret(words);
});

/** Whether a word is an authorization scheme (`Bearer`, `Basic`, `DPoP`...), case-insensitively. */
export const isAuthScheme = (word: string): boolean => schemes.has(word.toLowerCase());

/** Whether a number under this secret name stays: an error code (`{"code": 41}`) is no secret. */
export const keepsNumber = (name: string): boolean => singular(nameWords(name).at(-1) ?? '') === 'code';

const list = (words: readonly string[]) => words.map((w) => `\`${w}\``).join(', ');

/**
 * What is redacted, in words generated from the rules above (the HTML report's footer, the JSON report's
 * `redaction`). `correlate`: each distinct secret has its own `REDACTED-n`.
 */
export function redactionSummary(correlate = false): string {
  return [
    `Redacted before anything is written, ${correlate ? 'each distinct secret as its own REDACTED-n' : 'as [REDACTED]'}:`,
    `the values of headers whose name contains ${list(SECRET_HEADER_WORDS)} (Authorization keeps its scheme, Cookie and Set-Cookie their cookie names and attributes);`,
    `the values of JSON members, form fields, query and fragment parameters of any URL (relative or absolute), XML elements and key: value lines`,
    `whose name, in any case style, ends with ${list(SECRET_WORDS)}, or is ${list(SECRET_SHORT_WORDS)}, or \`code\` alone or after ${list(CODE_QUALIFIERS)},`,
    `or ends with ${list(VALUE_WORDS)} after one of those words, at any depth, also inside strings that hold JSON, forms or encoded URLs;`,
    'URL userinfo; Bearer, Basic and other credentials after an authorization scheme; JWTs, PEM private keys and private JWK members wherever they stand;',
    "multipart fields so named; bodies in UTF-16 or another declared charset, decoded first; the profile's secrets and every secret the run saw, wherever they appear.",
    'Left readable: names (members, claims, cookies, headers), authorization schemes, token types, scopes, expiry times, error codes and descriptions.',
  ].join(' ');
}
