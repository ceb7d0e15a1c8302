/**
 * ID Match Spain in the sandbox: premiuminfo compares each claim sent with the subscriber's after the page's
 * normalisation, and answers with the page's `*_match` semantics; errors in the Orange gateway envelope
 * (40 no token, 41 invalid token, 22 invalid body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiScope, operation } from '../src/contract/operations.js';
import { validator } from '../src/contract/validators.js';
import { CLOSE, bearerToken, parseJsonObject, readBodyWithinLimit, sendJson } from './http.js';
import type { SandboxParts } from './state.js';

const { slug, operationId } = operation('verifyPremiumInfo');
const PREFIX = `${slug}/${operationId}`;

/**
 * The page's rules: all spaces removed, lower case, the characters `\n` `,` `º` `(` `)` removed, the `+34`
 * prefix removed from MSISDNs, accented vowels replaced by unaccented ones. Other values compare as they are.
 */
export function normaliseForMatch(value: unknown, msisdn = false): unknown {
  if (typeof value !== 'string') return value;
  let v = value.replace(/\s+/g, '').toLowerCase().replace(/[\n,º()]/g, '');
  if (msisdn) v = v.replace(/^\+34/, '');
  return v.replace(/[áàâäãéèêëíìîïóòôöõúùûü]/g, (c) => c.normalize('NFD')[0]!);
}

const MSISDN_CLAIMS = new Set(['subscriber_msisdn', 'phone_number']);

/** Each claim sent, echoed with `*_match: true` when equivalent, or alone as `*_match: false`. */
export function matchClaims(sent: Record<string, unknown>, held: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [claim, value] of Object.entries(sent)) {
    if (claim === 'address') {
      out.address = matchClaims(value as Record<string, unknown>, (held.address ?? {}) as Record<string, unknown>);
    } else if (held[claim] !== undefined && normaliseForMatch(value, MSISDN_CLAIMS.has(claim)) === normaliseForMatch(held[claim], MSISDN_CLAIMS.has(claim))) {
      out[claim] = value;
      out[`${claim}_match`] = true;
    } else {
      out[`${claim}_match`] = false;
    }
  }
  return out;
}

export function idMatchEs(options: SandboxParts) {
  const { state, docs } = options;
  const request = validator(`${PREFIX}/request/application/json`);
  const scope = apiScope(operationId);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const bearer = bearerToken(req);
    if (bearer === undefined) return docs.send(res, `${PREFIX}/401/MissingCredentials`);
    const token = bearer ? state.accessToken(bearer) : undefined;
    if (!token?.msisdn || !token.scopes.has(scope) || state.consentRevoked(token, scope)) {
      return docs.send(res, `${PREFIX}/401/InvalidCredentials`);
    }
    const text = await readBodyWithinLimit(req);
    const body = text === undefined ? undefined : parseJsonObject(req, text);
    if (!body || !request(body)) return docs.send(res, `${PREFIX}/400/InvalidBody`, text === undefined ? CLOSE : {});
    const subscriber = state.subscribers.get(token.msisdn)!;
    sendJson(res, 200, matchClaims(body, { ...subscriber.claims, sub: subscriber.sub }));
  };
}
