/**
 * The contract's two error shapes, as types and guards, to tell them apart in a client's `error` value:
 * OAuth/OIDC `{error, error_description}` and the Orange gateway `{code, message, description}`.
 */
import type { components } from '../../generated/direct-match-id-fr/types.js';

export type OAuthError = components['schemas']['OAuthError'];
export type OrangeError = components['schemas']['OrangeError'];

export const isOAuthError = (value: unknown): value is OAuthError =>
  typeof value === 'object' && value !== null && typeof (value as OAuthError).error === 'string';

export const isOrangeError = (value: unknown): value is OrangeError =>
  typeof value === 'object' && value !== null && typeof (value as OrangeError).code === 'number' && typeof (value as OrangeError).message === 'string';
