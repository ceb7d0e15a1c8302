/**
 * The userinfo endpoints of Form ID France and Match ID France in the sandbox: exactly the claims the API's
 * scope grants (its response schema's properties), for a live token of an end-user who has not revoked consent.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo 5.3 UserInfo endpoint
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 Error codes (invalid_token, insufficient_scope)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiScope, operation, type OperationId } from '../src/contract/operations.js';
import { bearerToken, sendJson } from './http.js';
import type { SandboxParts } from './state.js';

/** The handler of a userinfo operation whose 200 body is the component schema `claimsSchema`. */
export function userinfo(parts: SandboxParts, operationId: OperationId, claimsSchema: { properties: object }) {
  const { state, docs } = parts;
  const { slug } = operation(operationId);
  const scope = apiScope(operationId);
  const granted = new Set(Object.keys(claimsSchema.properties));
  const prefix = `${slug}/${operationId}`;
  return (req: IncomingMessage, res: ServerResponse) => {
    const bearer = bearerToken(req);
    const token = bearer ? state.accessToken(bearer) : undefined;
    if (!token?.msisdn) return docs.send(res, `${prefix}/401/InvalidToken`);
    if (!token.scopes.has(scope) || state.consentRevoked(token, scope)) return docs.send(res, `${prefix}/403/InsufficientScope`);
    const subscriber = state.subscribers.get(token.msisdn)!;
    const claims = Object.fromEntries(Object.entries({ sub: subscriber.sub, ...subscriber.claims }).filter(([k]) => granted.has(k)));
    sendJson(res, 200, claims, docs.headers(operationId, 200));
  };
}
