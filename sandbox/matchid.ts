/**
 * matchid of Direct Match ID France in the sandbox: the bearer token, the body, the token's scope and end-user,
 * the MSISDN, the subscriber's KYC record and eligibility, checked in the order docs/sandbox.md gives; then a
 * Jaro-Winkler score per attribute sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import jaroWinkler from 'jaro-winkler';
import addressSchema from '../generated/direct-match-id-fr/schemas/MatchIdAddress.json' with { type: 'json' };
import requestSchema from '../generated/direct-match-id-fr/schemas/MatchIdRequest.json' with { type: 'json' };
import { validator } from '../src/contract/validators.js';
import type { Kyc } from './fixture.js';
import { CLOSE, bearerToken, parseJsonObject, readBodyWithinLimit, sendJson } from './http.js';
import type { SandboxParts } from './state.js';

const MATCHID = 'direct-match-id-fr/matchIdentity/';
/** Compared length: longer values are compared on their first characters, so a score stays cheap. */
const MAX_COMPARED = 256;
/** The scored attributes: the request schema's members, the MSISDN and the address apart, and the address's. */
const ATTRIBUTES = Object.keys(requestSchema.properties).filter((k) => k !== 'msisdn' && k !== 'address') as (keyof Kyc & string)[];
const ADDRESS = Object.keys(addressSchema.properties);
const ASCII = /^[\x20-\x7e]*$/;

/** Lower case, accents removed, spaces collapsed and trimmed (docs/sandbox.md). */
export function normaliseForScore(value: string): string {
  const plain = ASCII.test(value) ? value : value.normalize('NFD').replace(/\p{M}/gu, '');
  return plain.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, MAX_COMPARED);
}

/** Jaro-Winkler similarity of the normalised values, from 0 to 100, with one decimal. */
export function score(provided: string, held: string | undefined): number {
  if (held === undefined) return 0;
  if (provided === held) return 100;
  const a = normaliseForScore(provided);
  const b = normaliseForScore(held);
  if (a === b) return 100;
  return Math.round(jaroWinkler(a, b) * 1000) / 10;
}

/** The scores of what the body sends against the KYC record: each attribute sent, and only those. */
function scores(body: Record<string, unknown>, kyc: Kyc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const attribute of ATTRIBUTES) {
    if (typeof body[attribute] === 'string') out[`${attribute}_score`] = score(body[attribute] as string, kyc[attribute] as string | undefined);
  }
  const address = body.address as Record<string, string> | undefined;
  if (address) {
    out.address = Object.fromEntries(ADDRESS.filter((f) => typeof address[f] === 'string').map((f) => [`${f}_score`, score(address[f]!, kyc.address?.[f])]));
  }
  return out;
}

export function matchid({ state, docs }: SandboxParts, matchIdScope: string) {
  const matchIdSchema = validator('direct-match-id-fr/matchIdentity/request/application/json');
  let requests = 0;
  const requestId = () => `sandbox-${process.pid}-${++requests}`;
  return async (req: IncomingMessage, res: ServerResponse) => {
    const headers = { 'X-OAPI-Request-Id': requestId() };
    const bearer = bearerToken(req);
    if (bearer === undefined) return docs.send(res, `${MATCHID}401/MissingCredentials`, headers);
    const token = bearer ? state.accessToken(bearer) : undefined;
    if (!token) return docs.send(res, `${MATCHID}401/InvalidCredentials`, headers);
    const text = await readBodyWithinLimit(req);
    const body = text === undefined ? undefined : parseJsonObject(req, text);
    if (!body) return docs.send(res, `${MATCHID}400/ProxificationInformationMissing`, text === undefined ? { ...headers, ...CLOSE } : headers);
    if (!token.scopes.has(matchIdScope)) return docs.send(res, `${MATCHID}400/InvalidScope`, headers);
    if (!token.msisdn) return docs.send(res, `${MATCHID}400/NoUserIdInAccessToken`, headers);
    if (body.msisdn === undefined) return docs.send(res, `${MATCHID}400/MsisdnMissing`, headers);
    if (!matchIdSchema(body)) {
      const msisdnError = matchIdSchema.errors!.some((e) => e.instancePath === '/msisdn');
      return docs.send(res, `${MATCHID}400/${msisdnError ? 'MsisdnInvalid' : 'ProxificationInformationMissing'}`, headers);
    }
    if (body.msisdn !== token.msisdn) return docs.send(res, `${MATCHID}400/MsisdnMismatch`, headers);
    const subscriber = state.subscribers.get(token.msisdn);
    if (!subscriber?.kyc) return docs.send(res, `${MATCHID}400/UserUnknown`, headers);
    if (subscriber.eligible === false) return docs.send(res, `${MATCHID}400/UserIneligible`, headers);
    sendJson(res, 200, scores(body, subscriber.kyc), headers);
  };
}
