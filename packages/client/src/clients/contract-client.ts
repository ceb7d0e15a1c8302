/**
 * The typed clients: openapi-fetch's, with what the contract says of each operation applied on every call.
 *
 * - The request body goes out in the operation's media type (see body.ts): form bodies urlencoded, with their
 *   Content-Type, whatever the caller passes as `body`.
 * - `accessToken` goes, as a bearer token, to the operations whose security is a bearer token only: never to an
 *   operation without security (the authorization endpoint, the metadata documents), nor over the `Authorization:
 *   Basic` of the token endpoints.
 * - Each result carries the answer's `status`, typed as the operation's documented statuses: testing it narrows
 *   `data` and `error` to that status's body (a 400 of a token endpoint is an `OAuthError`, a 401 of matchid the
 *   gateway's `OrangeError`). An answer of an undocumented status (a gateway's 429 or 502) still comes with its
 *   real status, and its body in `error` (in `data` for a 2xx), as openapi-fetch gives it; the types, like
 *   openapi-fetch's and orval's, know the documented statuses only, and the contract's guards (`isOAuthError`,
 *   `isOrangeError`) tell such a body's shape.
 *
 * Everything else is openapi-fetch's: `{ data, error, response }`, `params`, `parseAs`, `headers`, middleware.
 */
import createClient, { type ClientOptions, type FetchOptions, type Middleware, type ParseAsResponse } from 'openapi-fetch';
import { bearerAuthorizer, type AccessTokenSource, type Fetch } from './bearer.js';
import { contractBody, headerRecord } from './body.js';

export type { AccessTokenSource } from './bearer.js';

export interface ApiClientOptions extends ClientOptions {
  /** The access token to send to the operations that need one, or where to get it for each request. */
  accessToken?: AccessTokenSource;
}

/** What the contract says of one operation (generated, per API, in `contract.ts`). */
export interface OperationFacts {
  /** From the operation's security: no credentials, HTTP Basic (the caller's header), or a bearer token. */
  readonly auth: 'none' | 'basic' | 'bearer';
  /** The media types of its request body, the first the default. */
  readonly body?: readonly string[];
}

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type OperationOf<Paths, P, M extends HttpMethod> = P extends keyof Paths ? (Paths[P] extends { [K in M]: infer O } ? O : never) : never;
type PathsWith<Paths, M extends HttpMethod> = { [P in keyof Paths]: Paths[P] extends { [K in M]: object } ? P : never }[keyof Paths];
type RequiredKeys<T> = { [K in keyof T]: {} extends Pick<T, K> ? never : K }[keyof T];
type RequiredKeysOf<T> = RequiredKeys<T> extends undefined ? never : RequiredKeys<T>;
/** The init of a call, optional when nothing in it is required (openapi-fetch's `MaybeOptionalInit`). */
type InitOf<O> = RequiredKeysOf<FetchOptions<O>> extends never ? FetchOptions<O> | undefined : FetchOptions<O>;
type InitParam<Init> = RequiredKeysOf<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];
/** A response's body: the schema of its content (of every media type it has), or `undefined` when it has none. */
type BodyOf<R> = R extends { content: infer C } ? C[keyof C] : undefined;
type StatusOf<K> = K extends number ? K : number;

/**
 * The result of a call: one member per documented status, whose `data` (2xx) or `error` (any other status) is that
 * status's body. `if (result.status === 400)` narrows `result.error` to the 400's schema.
 */
export type ContractResponse<Operation, Init = {}> = Operation extends { responses: infer R }
  ? {
    [K in keyof R]: `${K & (string | number)}` extends `2${string}`
      ? { status: StatusOf<K>; data: ParseAsResponse<BodyOf<R[K]>, Init>; error?: never; response: Response }
      : { status: StatusOf<K>; data?: never; error: BodyOf<R[K]>; response: Response };
  }[keyof R]
  : never;

type ContractMethod<Paths, M extends HttpMethod> = <P extends PathsWith<Paths, M>, Init extends InitOf<OperationOf<Paths, P, M>>>(
  url: P, ...init: InitParam<Init>
) => Promise<ContractResponse<OperationOf<Paths, P, M>, Init>>;

/** A typed client: openapi-fetch's methods, each result with its documented `status`. */
export interface ContractClient<Paths> {
  request<M extends HttpMethod, P extends PathsWith<Paths, M>, Init extends InitOf<OperationOf<Paths, P, M>>>(
    method: M, url: P, ...init: InitParam<Init>
  ): Promise<ContractResponse<OperationOf<Paths, P, M>, Init>>;
  GET: ContractMethod<Paths, 'get'>;
  PUT: ContractMethod<Paths, 'put'>;
  POST: ContractMethod<Paths, 'post'>;
  DELETE: ContractMethod<Paths, 'delete'>;
  OPTIONS: ContractMethod<Paths, 'options'>;
  HEAD: ContractMethod<Paths, 'head'>;
  PATCH: ContractMethod<Paths, 'patch'>;
  TRACE: ContractMethod<Paths, 'trace'>;
  use(...middleware: Middleware[]): void;
  eject(...middleware: Middleware[]): void;
}

type CallInit = { body?: unknown; headers?: ClientOptions['headers']; fetch?: Fetch } & Record<string, unknown>;
type Result = { data?: unknown; error?: unknown; response: Response; status?: number };

const withStatus = (result: Result) => {
  result.status = result.response.status;
  return result;
};

/**
 * Creates the typed client of one API.
 * @param operations the API's operations, `METHOD path` to their facts (generated from the contract)
 * @param defaultBaseUrl the contract's server, used when `options.baseUrl` is absent
 * @throws OrangeAuthError `ERR_INVALID_OPTION` when `accessToken` is a token provider of another `baseUrl`
 */
export function contractClient<Paths extends {}>(operations: Readonly<Record<string, OperationFacts>>, defaultBaseUrl: string, options: ApiClientOptions = {}): ContractClient<Paths> {
  const { accessToken, ...rest } = options;
  const baseUrl = rest.baseUrl ?? defaultBaseUrl;
  const client = createClient<Paths>({ ...rest, baseUrl, ...(rest.headers ? { headers: headerRecord(rest.headers) } : {}) });
  const authorize = accessToken === undefined ? undefined : bearerAuthorizer(accessToken, baseUrl);
  const authorized = authorize?.(rest.fetch);
  const request = client.request as unknown as (method: string, url: string, init?: CallInit) => Promise<Result>;

  const send = (method: string, url: string, init?: CallInit): Promise<Result> => {
    const operation = operations[`${method} ${url}`];
    let call = init;
    if (operation?.body && init?.body !== undefined) call = { ...init, ...contractBody(operation.body, init.headers) };
    if (operation?.auth === 'bearer' && authorize) call = { ...call, fetch: call?.fetch ? authorize(call.fetch) : authorized };
    return request(method, url, call).then(withStatus);
  };
  const method = (name: string) => (url: string, init?: CallInit) => send(name, url, init);
  return {
    request: (name: string, url: string, init?: CallInit) => send(name.toUpperCase(), url, init),
    GET: method('GET'),
    PUT: method('PUT'),
    POST: method('POST'),
    DELETE: method('DELETE'),
    OPTIONS: method('OPTIONS'),
    HEAD: method('HEAD'),
    PATCH: method('PATCH'),
    TRACE: method('TRACE'),
    use: client.use,
    eject: client.eject,
  } as unknown as ContractClient<Paths>;
}
