/**
 * Authentication France in the sandbox: authorize, by GET or POST (sandbox/authorize.ts, the checks in
 * sandbox/authorize-request.ts), with a login and consent page protected by a CSRF token (sandbox/login-page.ts),
 * consent remembered per client and scope; single-use authorization codes with a short lifetime, whose replay
 * revokes what they issued; the code exchange with HTTP Basic client authentication and an HS256 id_token, and
 * refresh tokens on /oauth/v2/token (sandbox/oidc-token.ts); the OpenID Provider's configuration.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth 3.1 Authorization code flow
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata 3 Provider metadata
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1 Parameters sent once, empty ones omitted
 */
import type { ServerResponse } from 'node:http';
import { pathOf } from '../src/contract/operations.js';
import { authorizeHandlers } from './authorize.js';
import { sendJson } from './http.js';
import { tokenHandlers } from './oidc-token.js';
import type { SandboxParts } from './state.js';

export { CSRF_COOKIE, SESSION_COOKIE } from './cookies.js';

export interface AuthenticationOptions extends SandboxParts {
  issuer: string;
}

export function authentication(options: AuthenticationOptions) {
  const { docs, issuer } = options;
  /** The provider's metadata as the contract documents it; the sandbox's issuer and endpoints replace its own. */
  const documentedConfiguration = JSON.parse(docs.get('authentication-fr/getOpenIdConfiguration/200/OpenIdConfiguration').body) as Record<string, unknown>;
  return {
    ...authorizeHandlers(options),
    ...tokenHandlers(options),

    /** The OpenID Provider's configuration: the contract's document, with the sandbox's issuer and its own
     *  endpoints on the origin it advertises. */
    configuration(res: ServerResponse) {
      const origin = options.origin();
      sendJson(res, 200, {
        ...documentedConfiguration,
        issuer,
        authorization_endpoint: `${origin}${pathOf('authorize')}`,
        token_endpoint: `${origin}${pathOf('exchangeAuthorizationCode')}`,
        userinfo_endpoint: `${origin}${pathOf('getOpenIdUserInfo')}`,
      }, docs.headers('getOpenIdConfiguration', 200));
    },
  };
}
