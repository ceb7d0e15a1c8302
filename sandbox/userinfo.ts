/**
 * The userinfo endpoints in the sandbox (Form ID France, Match ID France, and Authentication France's own, by GET
 * and POST): exactly the claims the API's scope grants (its response schema's properties), for a live token of
 * an end-user who has not revoked consent. The access token comes in the `Authorization` header.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo 5.3 UserInfo endpoint
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 Error codes (invalid_token, insufficient_scope)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { operation, type OperationId } from '../src/contract/operations.js';
import { CLOSE, bearerToken, readBodyWithinLimit, sendJson } from './http.js';
import type { SandboxParts } from './state.js';

/** The handler of a userinfo operation whose 200 body is the component schema `claimsSchema`. */
export function userinfo(parts: SandboxParts, operationId: OperationId, claimsSchema: { properties: object }) {
  const { state, docs } = parts;
  const { slug, method, scopes } = operation(operationId);
  // The API's own scope; `openid` for the OpenID Connect userinfo, which asks for nothing else.
  const scope = (scopes as readonly string[]).find((s) => s !== 'openid') ?? 'openid';
  const granted = new Set(Object.keys(claimsSchema.properties));
  const prefix = `${slug}/${operationId}`;
  return async (req: IncomingMessage, res: ServerResponse) => {
    // A POST's body carries nothing the endpoint reads; it is read within the limit all the same.
    const headers = method === 'POST' && (await readBodyWithinLimit(req)) === undefined ? CLOSE : {};
    const bearer = bearerToken(req);
    const token = bearer ? state.accessToken(bearer) : undefined;
    if (!token?.msisdn) return docs.send(res, `${prefix}/401/InvalidToken`, headers);
    if (!token.scopes.has(scope) || state.consentRevoked(token, scope)) return docs.send(res, `${prefix}/403/InsufficientScope`, headers);
    const subscriber = state.subscribers.get(token.msisdn)!;
    const claims = Object.fromEntries(Object.entries({ sub: subscriber.sub, ...subscriber.claims }).filter(([k]) => granted.has(k)));
    sendJson(res, 200, claims, { ...docs.headers(operationId, 200), ...headers });
  };
}
