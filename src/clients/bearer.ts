/**
 * Bearer authentication for the typed clients: a middleware that sets `Authorization: Bearer <token>` on every
 * request, from a fixed token, a function, or a token provider (which it also invalidates on a 401, so that the
 * next call gets a new token).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1 Authorization request header field
 */
import type { Client, ClientOptions, Middleware } from 'openapi-fetch';

export type AccessTokenSource =
  | string
  | (() => string | Promise<string>)
  | { getToken(): Promise<string>; invalidate?(): void };

export interface ApiClientOptions extends ClientOptions {
  /** The access token to send, or where to get it for each request. */
  accessToken?: AccessTokenSource;
}

export function bearerMiddleware(source: AccessTokenSource): Middleware {
  const get = typeof source === 'string' ? () => source : typeof source === 'function' ? source : () => source.getToken();
  const invalidate = typeof source === 'object' ? source.invalidate?.bind(source) : undefined;
  return {
    async onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${await get()}`);
      return request;
    },
    ...(invalidate ? { onResponse({ response }) { if (response.status === 401) invalidate(); } } : {}),
  };
}

/** Wraps a generated client factory so that it accepts `accessToken`. */
export function withBearer<P extends {}>(create: (options?: ClientOptions) => Client<P>) {
  return (options: ApiClientOptions = {}): Client<P> => {
    const { accessToken, ...rest } = options;
    const client = create(rest);
    if (accessToken !== undefined) client.use(bearerMiddleware(accessToken));
    return client;
  };
}
