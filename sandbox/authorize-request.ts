/**
 * An authorization request of Authentication France, checked: the client, its registered `redirect_uri` (RFC 3986
 * normal form), `state`, each parameter once, the response type, the scopes, PKCE and every other documented
 * parameter against its schema. Shared by authorize (GET and POST) and the login form that carries the request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 Error response
 */
import { operationObject } from '../src/contract/operations.js';
import { hasValidator, validator } from '../src/contract/validators.js';
import type { Client } from './fixture.js';
import type { Form } from '../src/contract/form.js';
import type { SandboxState } from './state.js';
import { sameUri } from './uri.js';

/** The validator keys of authorize's query parameters (the form of POST authorize has the same), less the name. */
const PARAMETER = 'authentication-fr/authorize/parameter/query/';
/** The parameters the contract documents for authorize (the same in the form of POST authorize). */
const AUTHORIZE_PARAMS = (operationObject('authorize').parameters as { name: string }[]).map((p) => p.name);

/** A checked authorization request: its client, its scopes, and its parameters as sent. */
export interface AuthorizeRequest { client: Client; scopes: string[]; query: Record<string, string> }

/** The authorize request's checks: an error page (client, redirect URI or `state` at fault), an error redirect, or
 *  the checked request. */
export function checkAuthorize(state: SandboxState, { params, repeated }: Form): { page: string } | { redirect: string } | AuthorizeRequest {
  if (repeated.includes('client_id')) return { page: 'client_id is repeated' };
  const client = state.clients.get(params.client_id ?? '');
  if (!client?.clientSecret) return { page: 'unknown client_id' };
  const redirectUri = params.redirect_uri ?? '';
  if (repeated.includes('redirect_uri') || !client.redirectUris?.some((registered) => sameUri(registered, redirectUri))) {
    return { page: 'redirect_uri is not the one registered for this client' };
  }
  if (repeated.includes('state')) return { page: 'state is repeated' };
  const stateParam = params.state;
  if (!stateParam) return { page: 'state is mandatory' };
  const error = (code: string) => {
    const url = new URL(redirectUri);
    url.searchParams.set('error', code);
    url.searchParams.set('state', stateParam);
    return { redirect: url.toString() };
  };
  if (repeated.length) return error('invalid_request');
  if (params.response_type !== 'code') return error('unsupported_response_type');
  const scopes = (params.scope ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid') || scopes.some((s) => !client.scopes?.includes(s))) return error('invalid_scope');
  const challenge = params.code_challenge;
  if (challenge !== undefined && (params.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) return error('invalid_request');
  // Every other documented parameter present is valid against its schema (RFC 6749 section 4.1.2.1: invalid_request).
  if (AUTHORIZE_PARAMS.some((p) => Object.hasOwn(params, p) && hasValidator(`${PARAMETER}${p}`) && !validator(`${PARAMETER}${p}`)(params[p]))) return error('invalid_request');
  const query = Object.fromEntries(AUTHORIZE_PARAMS.filter((p) => Object.hasOwn(params, p)).map((p) => [p, params[p]!]));
  return { client, scopes, query };
}

/** What a form's CSRF token is bound to: the authorization request it carries. */
export const fingerprint = (query: Record<string, string>) => JSON.stringify(AUTHORIZE_PARAMS.map((p) => query[p] ?? null));
