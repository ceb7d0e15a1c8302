/**
 * Bearer authentication for the typed clients: `Authorization: Bearer <token>` on the requests of the operations
 * whose security asks for it, from a fixed token, a function, or a token provider (which is also invalidated on a
 * 401, so that the next call gets a new token). The header is set by a thin wrapper of `fetch` rather than a
 * middleware, which costs a random id, a frozen options object and async hooks per call. A request that already
 * carries an `Authorization` header (given by the caller) keeps it.
 *
 * A token source that says where it gets its tokens (a `baseUrl`, as the auth helpers' token provider does) must
 * say the client's own `baseUrl`: otherwise the factory throws `OrangeAuthError` `ERR_INVALID_OPTION`, rather
 * than let a client of a sandbox send tokens requested from production (or the reverse).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1 Authorization request header field
 */
import { OrangeAuthError } from '../auth/errors.js';
import { normalizeBaseUrl } from '../auth/token-request.js';

export type AccessTokenSource =
  | string
  | (() => string | Promise<string>)
  | {
    getToken(): Promise<string>;
    invalidate?(): void;
    /** Where the tokens come from (a token provider's `baseUrl`); when given, it must equal the client's `baseUrl`. */
    readonly baseUrl?: string;
  };

/** A `fetch` as openapi-fetch calls it: the request, and its undici options when there are any. */
export type Fetch = (input: Request, init?: unknown) => Promise<Response>;

/**
 * What authenticates the bearer operations of one client: given the `fetch` to send with (the global one by
 * default), a `fetch` that adds the token first.
 * @throws OrangeAuthError `ERR_INVALID_OPTION` when the source's `baseUrl` is not `clientBaseUrl`
 */
export function bearerAuthorizer(source: AccessTokenSource, clientBaseUrl: string): (inner?: Fetch) => Fetch {
  if (typeof source === 'object' && source.baseUrl !== undefined) {
    const client = normalizeBaseUrl(clientBaseUrl);
    const tokens = normalizeBaseUrl(source.baseUrl);
    if (client !== tokens) {
      throw new OrangeAuthError('ERR_INVALID_OPTION', `the token provider requests its tokens from ${tokens}, but this client sends its requests to ${client}: ` +
        'give both the same baseUrl (one options object for both)');
    }
  }
  const get = typeof source === 'string' ? () => source : typeof source === 'function' ? source : () => source.getToken();
  const invalidate = typeof source === 'object' ? source.invalidate?.bind(source) : undefined;
  return (inner = (request, init) => globalThis.fetch(request, init as RequestInit | undefined)) => async (request, init) => {
    if (request.headers.has('Authorization')) return inner(request, init);
    request.headers.set('Authorization', `Bearer ${await get()}`);
    const response = await inner(request, init);
    if (response.status === 401) invalidate?.();
    return response;
  };
}
