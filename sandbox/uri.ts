/**
 * Redirect URIs compared the way RFC 3986 says equivalent URIs compare: in their normal form. WHATWG's URL parser
 * (Node's `URL`) already lower-cases the scheme and the host, drops the scheme's default port, removes dot
 * segments and turns an empty path into `/` (section 6.2.3: `http://www.myserver.com` and
 * `http://www.myserver.com/` are the same URI); what it leaves is the case of percent-encodings and the
 * percent-encoded unreserved characters (section 6.2.2.2), done here.
 *
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2 Syntax-based normalization
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3 Scheme-based normalization
 */

const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/** The normal form of an absolute URI, or undefined when `value` is not one. */
export function normaliseUri(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  return new URL(value).href.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const char = String.fromCharCode(Number.parseInt(escape.slice(1), 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
}

/** True when both are absolute URIs with the same normal form. */
export const sameUri = (a: string, b: string): boolean => {
  const normal = normaliseUri(a);
  return normal !== undefined && normal === normaliseUri(b);
};
