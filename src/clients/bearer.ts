/**
 * Bearer authentication for the typed clients: `Authorization: Bearer <token>` on every request, from a fixed
 * token, a function, or a token provider (which is also invalidated on a 401, so that the next call gets a new
 * token). A fixed token goes into openapi-fetch's own default headers; a dynamic one is set by a thin wrapper of
 * `fetch` rather than a middleware, which costs a random id, a frozen options object and async hooks per call.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1 Authorization request header field
 */
import type { Client, ClientOptions } from 'openapi-fetch';

export type AccessTokenSource =
  | string
  | (() => string | Promise<string>)
  | { getToken(): Promise<string>; invalidate?(): void };

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

/** Wraps a generated client factory so that it accepts `accessToken`. */
export function withBearer<P extends {}>(create: (options?: ClientOptions) => Client<P>) {
  return (options: ApiClientOptions = {}): Client<P> => {
    const { accessToken, ...rest } = options;
    if (accessToken === undefined) return create(rest);
    if (typeof accessToken === 'string') {
      const given = rest.headers instanceof Headers || Array.isArray(rest.headers) ? Object.fromEntries(new Headers(rest.headers)) : rest.headers;
      return create({ ...rest, headers: { ...given, Authorization: `Bearer ${accessToken}` } });
    }
    return create({ ...rest, fetch: bearerFetch(accessToken, rest.fetch) });
  };
}
