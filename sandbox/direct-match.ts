/**
 * Direct Match ID France in the sandbox: the discovery document, the JWT bearer token endpoint (each row of the
 * page's error table under its own condition: sandbox/jwt-bearer-grant.ts), and matchid with Jaro-Winkler scores
 * (sandbox/matchid.ts).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3 JWT format and processing requirements
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3 Authorization server metadata
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from '../src/contract/operations.js';
import { CLOSE, formBody, readBodyWithinLimit, sendJson } from './http.js';
import { jwtBearerGrant } from './jwt-bearer-grant.js';
import { matchid } from './matchid.js';
import type { SandboxParts } from './state.js';

export { CLOCK_SKEW_SECONDS } from './jwt-bearer-grant.js';
export { normaliseForScore, score } from './matchid.js';

const TOKEN = 'direct-match-id-fr/requestJwtBearerToken/400/';

export interface DirectMatchOptions extends SandboxParts {
  audience: string;
  matchIdScope: string;
}

export function directMatch(options: DirectMatchOptions) {
  const { state, docs, audience } = options;
  const documentedMetadata = JSON.parse(docs.get('direct-match-id-fr/getAuthorizationServerMetadata/200/Metadata').body) as Record<string, unknown>;
  const grant = jwtBearerGrant(options);
  return {
    /** The contract's metadata document, with the sandbox's issuer, token endpoint and its clients' scopes. */
    metadata(_req: IncomingMessage, res: ServerResponse) {
      sendJson(res, 200, {
        ...documentedMetadata,
        issuer: audience,
        token_endpoint: `${options.origin()}${pathOf('requestJwtBearerToken')}`,
        scopes_supported: [...new Set([...state.clients.values()].flatMap((c) => (c.jwks || c.jwksUri ? c.scopes ?? [] : [])))],
      }, docs.headers('getAuthorizationServerMetadata', 200));
    },

    async token(req: IncomingMessage, res: ServerResponse) {
      const text = await readBodyWithinLimit(req);
      if (text === undefined) return docs.send(res, `${TOKEN}JwtValidationFailed`, CLOSE);
      const result = await grant(formBody(req, text));
      if (typeof result === 'string') return docs.send(res, `${TOKEN}${result}`);
      sendJson(res, 200, { ...state.issueAccessToken(result.clientId, result.msisdn, result.scopes) }, docs.headers('requestJwtBearerToken', 200));
    },

    matchid: matchid(options, options.matchIdScope),
  };
}
