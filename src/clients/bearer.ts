/**
 * Bearer authentication for the typed clients: `Authorization: Bearer <token>` on every request, from a fixed
 * token, a function, or a token provider (which is also invalidated on a 401, so that the next call gets a new
 * token). A fixed token goes into openapi-fetch's own default headers; a dynamic one is set by a thin wrapper of
 * `fetch` rather than a middleware, which costs a random id, a frozen options object and async hooks per call.
 *
 * A token source that says where it gets its tokens (a `baseUrl`, as the auth helpers' token provider does) must
 * say the client's own `baseUrl`: otherwise the factory throws `OrangeAuthError` `ERR_INVALID_OPTION`, rather
 * than let a client of a sandbox send tokens requested from production (or the reverse).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1 Authorization request header field
 */
import type { Client, ClientOptions } from 'openapi-fetch';
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

export interface ApiClientOptions extends ClientOptions {
  /** The access token to send, or where to get it for each request. */
  accessToken?: AccessTokenSource;
}

type Fetch = (input: Request) => Promise<Response>;

/** A `fetch` that authenticates each request with a token from `source` before handing it to `inner`. */
export function bearerFetch(source: Exclude<AccessTokenSource, string>, inner: Fetch = (r) => globalThis.fetch(r)): Fetch {
  const get = typeof source === 'function' ? source : () => source.getToken();
  const invalidate = typeof source === 'object' ? source.invalidate?.bind(source) : undefined;
  return async (request) => {
    request.headers.set('Authorization', `Bearer ${await get()}`);
    const response = await inner(request);
    if (response.status === 401) invalidate?.();
    return response;
  };
}

/**
 * Wraps a generated client factory so that it accepts `accessToken`.
 * @param defaultBaseUrl the generated client's base URL when `options.baseUrl` is absent
 */
export function withBearer<P extends {}>(create: (options?: ClientOptions) => Client<P>, defaultBaseUrl: string) {
  return (options: ApiClientOptions = {}): Client<P> => {
    const { accessToken, ...rest } = options;
    if (accessToken === undefined) return create(rest);
    if (typeof accessToken === 'object' && accessToken.baseUrl !== undefined) {
      const client = normalizeBaseUrl(rest.baseUrl ?? defaultBaseUrl);
      const tokens = normalizeBaseUrl(accessToken.baseUrl);
      if (client !== tokens) {
        throw new OrangeAuthError('ERR_INVALID_OPTION', `the token provider requests its tokens from ${tokens}, but this client sends its requests to ${client}: ` +
          'give both the same baseUrl (one options object for both)');
      }
    }
    if (typeof accessToken === 'string') {
      const given = rest.headers instanceof Headers || Array.isArray(rest.headers) ? Object.fromEntries(new Headers(rest.headers)) : rest.headers;
      return create({ ...rest, headers: { ...given, Authorization: `Bearer ${accessToken}` } });
    }
    return create({ ...rest, fetch: bearerFetch(accessToken, rest.fetch) });
  };
}
