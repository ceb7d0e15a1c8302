/**
 * HTTP Basic client authentication at OAuth 2.0 token endpoints. The client identifier and secret are each
 * form-urlencoded (application/x-www-form-urlencoded, as in HTML forms: a space is `+`), then joined with `:`
 * and base64-encoded. Standard clients (openid-client, oauth4webapi) do so; Orange's page shows the raw values
 * base64-encoded, which is the same for identifiers and secrets made of unreserved characters only.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 Client password
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-2 The Basic authentication scheme
 */

/** `application/x-www-form-urlencoded` encoding of one value (URLSearchParams' serializer). */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

/** The `Authorization` header value for a client id and secret, encoded as RFC 6749 §2.3.1 says. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

export interface BasicCredentials {
  id: string;
  secret: string;
}

const formDecode = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

/**
 * Reads an `Authorization: Basic` header leniently: the candidate credentials, form-decoded first (RFC 6749
 * §2.3.1), then as sent when that differs (a raw `client_id:secret`, as Orange's page shows). Undefined when
 * the header is not Basic, not base64, or has no `:`. A server accepts the request when any candidate matches.
 */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials[] | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const raw = { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  const id = formDecode(raw.id);
  const secret = formDecode(raw.secret);
  const candidates: BasicCredentials[] = [];
  if (id !== undefined && secret !== undefined) candidates.push({ id, secret });
  if (candidates[0]?.id !== raw.id || candidates[0]?.secret !== raw.secret) candidates.push(raw);
  return candidates;
}
