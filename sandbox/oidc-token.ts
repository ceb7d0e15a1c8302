/**
 * The token endpoints of Authentication France: the code exchange (`POST /openidconnect/fr/v1/token`) with HTTP
 * Basic client authentication and an HS256 id_token, and the refresh (`POST /oauth/v2/token`). Each request is
 * checked in the order docs/sandbox.md gives: client authentication, then each parameter once and one
 * credential, then the grant type, then the request schema, then the grant.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3 Access token request (4.1.2: code replay)
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6 Refreshing an access token
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6 PKCE: the server verifies code_verifier
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1 PKCE downgrade: a code_verifier without a challenge is refused
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import codeRequestSchema from '../generated/authentication-fr/schemas/AuthorizationCodeTokenRequest.json' with { type: 'json' };
import refreshRequestSchema from '../generated/authentication-fr/schemas/RefreshTokenRequest.json' with { type: 'json' };
import idTokenHeaderSchema from '../generated/authentication-fr/schemas/IdTokenHeader.json' with { type: 'json' };
import { parseBasicAuthorization } from 'orange-identity-client/auth/basic';
import { ID_TOKEN_ALG } from 'orange-identity-client/auth/oidc';
import { validator } from '../src/contract/validators.js';
import type { Client } from './fixture.js';
import { CLOSE, formBody, readBodyWithinLimit, sendJson } from './http.js';
import { sameSecret } from './login-page.js';
import type { AuthorizationCode, SandboxParts, SandboxState } from './state.js';
import { normaliseUri } from './uri.js';

const TOKEN = 'authentication-fr/exchangeAuthorizationCode';
const REFRESH = 'authentication-fr/refreshAccessToken';
type Checked = { client: Client; form: Record<string, string> };

function tokenClient(state: SandboxState, req: IncomingMessage): Client | undefined {
  for (const { id, secret } of parseBasicAuthorization(req.headers.authorization) ?? []) {
    const client = state.clients.get(id);
    if (client?.clientSecret && sameSecret(client.clientSecret, secret)) return client;
  }
  return undefined;
}

/** A token endpoint's request: client authentication, then each parameter once and one credential, then the
 *  grant type, then the request schema. Undefined once the error is answered. */
function tokenEndpoint({ state, docs }: SandboxParts, prefix: typeof TOKEN | typeof REFRESH, schema: { properties: { grant_type: { const: string } } }) {
  const validate = validator(`${prefix}/request/application/x-www-form-urlencoded`);
  const grantType = schema.properties.grant_type.const;
  return async (req: IncomingMessage, res: ServerResponse): Promise<Checked | undefined> => {
    const text = await readBodyWithinLimit(req);
    const body = formBody(req, text);
    const form = body?.params;
    const client = tokenClient(state, req);
    // RFC 6749 section 2.3: one authentication method per request; section 3.2.1: a client_id sent is the client's.
    const credentialsMixed = form?.client_secret !== undefined || (form?.client_id !== undefined && form.client_id !== client?.clientId);
    const close = text === undefined ? CLOSE : {};
    if (!client) docs.send(res, `${prefix}/401/InvalidClient`, close);
    else if (body?.repeated.length || credentialsMixed) docs.send(res, `${prefix}/400/InvalidRequest`);
    else if (form?.grant_type !== undefined && form.grant_type !== grantType) docs.send(res, `${prefix}/400/UnsupportedGrantType`);
    else if (!form || !validate(form)) docs.send(res, `${prefix}/400/InvalidRequest`, close);
    else return { client, form };
    return undefined;
  };
}

/** True when the code's PKCE binding holds (RFC 7636 section 4.6): the verifier of the code's challenge; and no
 *  verifier for a code issued without a challenge, which is a PKCE downgrade (RFC 9700 section 2.1.1: "if there
 *  was no code_challenge in the authorization request, a request to the token endpoint containing a
 *  code_verifier is rejected"). */
const verifierHolds = (code: AuthorizationCode, verifier: string | undefined) =>
  (code.codeChallenge ? verifier !== undefined && createHash('sha256').update(verifier).digest('base64url') === code.codeChallenge : verifier === undefined);

export function tokenHandlers(parts: SandboxParts & { issuer: string }) {
  const { state, docs, issuer } = parts;
  const codeExchange = tokenEndpoint(parts, TOKEN, codeRequestSchema);
  const refreshRequest = tokenEndpoint(parts, REFRESH, refreshRequestSchema);

  /** The id_token of a code exchange, signed HS256 with the client secret. */
  const idToken = (client: Client, code: AuthorizationCode) => {
    const seconds = state.seconds();
    return new SignJWT({ auth_time: code.authTime, acr: '0', ...(code.nonce ? { nonce: code.nonce } : {}) })
      .setProtectedHeader({ alg: ID_TOKEN_ALG, typ: idTokenHeaderSchema.properties.typ.const })
      .setIssuer(issuer).setSubject(state.subscribers.get(code.msisdn)!.sub).setAudience(client.clientId)
      .setIssuedAt(seconds).setExpirationTime(seconds + state.accessTokenLifetime)
      .sign(new TextEncoder().encode(client.clientSecret));
  };

  return {
    async token(req: IncomingMessage, res: ServerResponse) {
      const checked = await codeExchange(req, res);
      if (!checked) return;
      const { client, form } = checked;
      // RFC 6749 section 4.1.2: a code used twice is refused, and what it issued is revoked.
      const redeemed = state.redeemedCodes.get(form.code!);
      if (redeemed) {
        redeemed.revoked = true;
        return docs.send(res, `${TOKEN}/400/InvalidGrant`);
      }
      const code = state.takeCode(form.code!);
      if (!code || code.clientId !== client.clientId || code.redirectUri !== normaliseUri(form.redirect_uri!) || !verifierHolds(code, form.code_verifier)) {
        return docs.send(res, `${TOKEN}/400/InvalidGrant`);
      }
      state.redeemCode(form.code!);
      const issued = state.issueAccessToken(client.clientId, code.msisdn, code.scopes, form.code);
      const refreshToken = state.issueRefreshToken({ clientId: client.clientId, msisdn: code.msisdn, scopes: code.scopes, grant: form.code! });
      sendJson(res, 200, { ...issued, refresh_token: refreshToken, id_token: await idToken(client, code) }, docs.headers('exchangeAuthorizationCode', 200));
    },

    async refresh(req: IncomingMessage, res: ServerResponse) {
      const checked = await refreshRequest(req, res);
      if (!checked) return;
      const { client, form } = checked;
      const grant = state.refreshTokens.get(form.refresh_token!);
      if (!grant || grant.clientId !== client.clientId || state.grantRevoked(grant.grant)) return docs.send(res, `${REFRESH}/400/InvalidGrant`);
      // RFC 6749 section 6: the scope asked, when sent, is not empty and not wider than the one granted.
      const requested = form.scope === undefined ? grant.scopes : form.scope.split(' ').filter(Boolean);
      if (requested.length === 0 || requested.some((s) => !grant.scopes.includes(s))) return docs.send(res, `${REFRESH}/400/InvalidScope`);
      if (requested.some((s) => state.consentRevoked(grant, s))) return docs.send(res, `${REFRESH}/400/InvalidGrant`);
      sendJson(res, 200, { ...state.issueAccessToken(client.clientId, grant.msisdn, requested, grant.grant) }, docs.headers('refreshAccessToken', 200));
    },
  };
}
