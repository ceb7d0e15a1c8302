/**
 * The sandbox-only admin API, under /_sandbox/admin/, so that tests and the conformance suite reach the
 * 3-legged APIs without a browser: mint a token for a subscriber and scopes, open an end-user session, revoke
 * consent. Errors use the OAuth error shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SESSION_COOKIE } from './authentication.js';
import { parseJsonObject, readBodyWithinLimit, sendJson } from './http.js';
import type { SandboxState } from './state.js';

const fail = (res: ServerResponse, description: string) => sendJson(res, 400, { error: 'invalid_request', error_description: description });
const scopesOf = (value: unknown): string[] | undefined =>
  typeof value === 'string' ? value.split(' ').filter(Boolean) : Array.isArray(value) && value.every((s) => typeof s === 'string') ? value : undefined;

export function admin(state: SandboxState) {
  async function body(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const text = await readBodyWithinLimit(req);
    return text === undefined ? undefined : parseJsonObject(req, text);
  }

  return {
    /** POST /_sandbox/admin/tokens {msisdn?, scope, clientId?} -> 201 an access token response. */
    async mintToken(req: IncomingMessage, res: ServerResponse) {
      const input = await body(req);
      if (!input) return fail(res, 'expected a JSON object body');
      const scopes = scopesOf(input.scope);
      if (!scopes?.length) return fail(res, 'scope is required: a space-separated string or an array');
      const msisdn = input.msisdn;
      if (msisdn !== undefined && (typeof msisdn !== 'string' || !state.subscribers.has(msisdn))) return fail(res, 'msisdn is not a subscriber of the fixture');
      const client = typeof input.clientId === 'string'
        ? state.clients.get(input.clientId)
        : state.fixture.clients.find((c) => scopes.every((s) => c.scopes?.includes(s)));
      if (!client) return fail(res, 'no client of the fixture is subscribed to these scopes (or clientId is unknown)');
      sendJson(res, 201, { token_type: 'Bearer', ...state.issueAccessToken(client.clientId, msisdn as string | undefined, scopes) });
    },

    /** POST /_sandbox/admin/sessions {msisdn, consent: grant|deny} -> 201 {cookie}: an end-user session for authorize. */
    async openSession(req: IncomingMessage, res: ServerResponse) {
      const input = await body(req);
      if (!input || typeof input.msisdn !== 'string' || !state.subscribers.has(input.msisdn)) return fail(res, 'msisdn must be a subscriber of the fixture');
      if (input.consent !== 'grant' && input.consent !== 'deny') return fail(res, 'consent must be grant or deny');
      const id = state.openSession({ msisdn: input.msisdn, consent: input.consent, authTime: state.seconds() });
      sendJson(res, 201, { cookie: `${SESSION_COOKIE}=${id}` });
    },

    /** POST /_sandbox/admin/consents/revoke {msisdn, scope?} -> 204: the end-user revokes consent (all scopes by default). */
    async revokeConsent(req: IncomingMessage, res: ServerResponse) {
      const input = await body(req);
      if (!input || typeof input.msisdn !== 'string' || !state.subscribers.has(input.msisdn)) return fail(res, 'msisdn must be a subscriber of the fixture');
      const scopes = input.scope === undefined ? [...new Set(state.fixture.clients.flatMap((c) => c.scopes ?? []))] : scopesOf(input.scope);
      if (!scopes) return fail(res, 'scope must be a space-separated string or an array');
      for (const scope of scopes) state.revokedConsents.add(`${input.msisdn} ${scope}`);
      res.writeHead(204).end();
    },
  };
}
