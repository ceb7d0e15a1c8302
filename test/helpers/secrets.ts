import type { RecordedExchange } from '../../conformance/report/index.js';

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const SECRET_MEMBERS = /"(access_token|refresh_token|id_token|assertion|client_secret|code)"\s*:\s*"([^"]+)"/g;
const SECRET_PARAMS = /(?:^|[?&#])(access_token|refresh_token|id_token|assertion|client_assertion|client_secret|code|code_verifier|password)=([^&#\s]+)/g;

/**
 * Every secret that unredacted traffic carries, found independently of the redaction under test: credentials of
 * Authorization headers (the header value and its decoded Basic secret), cookie values, secret members of JSON
 * bodies, secret fields of forms, query strings and Location, and every JWT. Values shorter than 8 characters
 * are left out (a test would find them in ordinary words).
 */
export function secretsIn(exchanges: readonly RecordedExchange[]): string[] {
  const found = new Set<string>();
  const add = (value: string | undefined) => { if (value && value.length >= 8) found.add(value); };
  const scan = (text: string) => {
    for (const m of text.matchAll(JWT)) add(m[0]);
    for (const m of text.matchAll(SECRET_MEMBERS)) add(m[2]);
    for (const m of text.matchAll(SECRET_PARAMS)) { add(m[2]); add(decodeURIComponent(m[2]!.replace(/\+/g, ' '))); }
  };
  for (const { request, response } of exchanges) {
    scan(request.url);
    scan(request.body);
    for (const [name, value] of [...request.headers.entries, ...(response?.headers.entries ?? [])]) {
      const lower = name.toLowerCase();
      if (lower === 'authorization') {
        const credential = value.replace(/^\S+\s+/, '');
        add(credential);
        if (/^Basic /i.test(value)) add(Buffer.from(credential, 'base64').toString('utf8').split(':').slice(1).join(':'));
      } else if (lower === 'cookie' || lower === 'set-cookie') {
        for (const pair of (lower === 'cookie' ? value.split(/;\s*/) : [value.split(';')[0]!])) add(pair.split('=').slice(1).join('='));
      } else scan(value);
    }
    if (response) scan(response.text);
  }
  return [...found];
}

/** The secrets of `secrets` that `output` holds in clear. */
export const leaked = (output: string, secrets: readonly string[]): string[] => secrets.filter((s) => output.includes(s));
