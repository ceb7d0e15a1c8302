/**
 * A user agent for the sandbox's login and consent pages, without a browser: it keeps cookies, follows an
 * authorization request, submits the page's form as a browser would (its hidden fields, the credentials, the
 * decision), and says where the end-user is sent back.
 */
export interface Credentials { msisdn: string; password: string }

const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

/** The form of a sandbox page: where it posts, and its hidden fields. */
export function pageForm(html: string, base: string | URL): { action: URL; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  if (!action) throw new Error('the page has no form');
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(([, k, v]) => [unescapeHtml(k!), unescapeHtml(v!)]));
  return { action: new URL(unescapeHtml(action), base), fields };
}

export class FormBrowser {
  readonly cookies = new Map<string, string>();

  /** A request with this browser's cookies, redirects not followed; the cookies set are kept. */
  async fetch(url: string | URL, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, ...(cookie ? { Cookie: cookie } : {}) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const equals = pair.indexOf('=');
      this.cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1));
    }
    return response;
  }

  /** Submits the form of `html` (served at `url`) with `fields` added to its hidden ones. */
  submit(html: string, url: string | URL, fields: Record<string, string>): Promise<Response> {
    const form = pageForm(html, url);
    return this.fetch(form.action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, ...fields }).toString(),
    });
  }

  /** Follows an authorization request to the redirect back to the client, signing in with `credentials` and
   *  deciding `decision` when a page asks. */
  async authorize(url: string | URL, credentials?: Credentials, decision: 'grant' | 'deny' = 'grant'): Promise<URL> {
    let response = await this.fetch(url);
    if (response.status === 200) {
      const html = await response.text();
      const signIn = html.includes('name="msisdn"');
      if (signIn && !credentials) throw new Error('the sandbox asks to sign in, and no credentials were given');
      response = await this.submit(html, url, { ...(signIn ? { msisdn: credentials!.msisdn, password: credentials!.password } : {}), decision });
    }
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) throw new Error(`authorize ended with HTTP ${response.status}: ${await response.text()}`);
    return new URL(location);
  }
}
