/**
 * The one error type of the auth helpers. Every failure has a stable `code` (never a message to parse), and
 * failures that come from a server carry its status and its OAuth error body.
 */

export type OrangeAuthErrorCode =
  /** An option is missing or malformed (client id, MSISDN, scope, key, redirect URI...). */
  | 'ERR_INVALID_OPTION'
  /** The requested assertion lifetime exceeds the 24 hours Orange accepts. */
  | 'ERR_ASSERTION_LIFETIME'
  /** The key is not an RS256 private key (RSA, 2048 bits or more). */
  | 'ERR_KEY_UNSUPPORTED'
  /**
   * The request never got an answer: the connection was refused or reset, the host name does not resolve, the
   * request was aborted or timed out, or the answer's body could not be read. `cause` holds the original error
   * (for example undici's `TypeError: fetch failed`, whose own `cause` has the system code such as `ECONNREFUSED`).
   */
  | 'ERR_REQUEST_FAILED'
  /** A token endpoint answered with an error (`error` holds the OAuth error body). */
  | 'ERR_TOKEN_REQUEST'
  /** A token endpoint answered 2xx with a body that does not follow the contract (or is not JSON). */
  | 'ERR_TOKEN_RESPONSE'
  /** The callback's `state` is missing or differs from the one sent. */
  | 'ERR_STATE_MISMATCH'
  /** The callback carries `error` (the end-user refused consent, a scope is invalid...). */
  | 'ERR_AUTHORIZATION_DENIED'
  /** The callback has neither `code` nor `error`. */
  | 'ERR_MISSING_CODE'
  /** The id_token does not verify: signature, algorithm, `iss`, `aud`, `exp` or `nonce`. */
  | 'ERR_ID_TOKEN_INVALID';

export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

export class OrangeAuthError extends Error {
  override readonly name = 'OrangeAuthError';
  readonly code: OrangeAuthErrorCode;
  /** HTTP status of the server's answer, for errors that come from a server. */
  readonly status: number | undefined;
  /** The OAuth error the server or the callback returned, if any. */
  readonly oauthError: OAuthErrorBody | undefined;

  constructor(code: OrangeAuthErrorCode, message: string, options: { status?: number; oauthError?: OAuthErrorBody; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.oauthError = options.oauthError;
  }
}
