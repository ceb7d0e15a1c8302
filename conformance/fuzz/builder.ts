/**
 * From generated values to HTTP requests: the plan context (the profile, and the steps that obtain state from the
 * target: a fresh code, a refresh token, a JWT bearer token; the keys), each operation's setup (shape, plan,
 * providers, arbitrary: built once), and `build`, which adjusts, breaks, binds, credits and signs a value.
 *
 * Entry points: `createBuilder(session)` → `{ ctx, setup, build }`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type fc from 'fast-check';
import { ASSERTION_ALG, ASSERTION_AUDIENCE, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { pathOf, type Operation } from '../../src/contract/operations.js';
import { authorizeRequest, codeExchangeRequest, codeFromCallback } from '../code-flow.js';
import type { Exchange, HttpRequest } from '../http.js';
import { authorizationScopes, PLANS, type AuthVariant, type PlanContext } from './plans.js';
import { applyViolation, fillBound, privateKeyOf, requestShape, signJws, toHttpRequest, type RequestExtras, type RequestValue, type Signing } from './request.js';
import { BOUND, setAt, valid, type Violation } from './schema.js';
import type { FuzzSession } from './session.js';
import { StepError } from './types.js';

/** What a request changes in a generated value before it is sent. */
export interface Change {
  violation?: Violation;
  extras?: RequestExtras;
  variant?: AuthVariant;
  members?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The strings of a generated value: the fuzzer's own, no secret (the members bound from the profile or the
 *  target are still BOUND here). */
function generatedStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value !== BOUND) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) generatedStrings(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) generatedStrings(v, out);
  }
  return out;
}

const json = (exchange: Exchange): Record<string, unknown> => {
  try {
    return JSON.parse(exchange.response.text) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** The plan context of a run: what plans ask of it (profile values, steps for state the target holds, keys). */
function planContext(session: FuzzSession): PlanContext {
  const { profile } = session;
  let refreshToken: Promise<string> | undefined;
  let dmToken: Promise<string> | undefined;
  let otherKey: KeyObject | undefined;
  const profileKey = profile.directMatch?.privateJwk ? privateKeyOf(profile.directMatch.privateJwk) : undefined;

  /** A code through the suite's code flow (conformance/code-flow.ts), its steps judged; state and nonce numbered,
   *  so that a seed sends the same requests. */
  async function authorizationCode(scope: string, verifier?: string): Promise<string> {
    const n = session.nextStep();
    const state = `fuzz-state-${n}`;
    const exchange = await session.step('authorize', authorizeRequest(profile.authentication!, { scope, state, nonce: `fuzz-nonce-${n}`, ...(verifier === undefined ? {} : { verifier }) }));
    try {
      return codeFromCallback(exchange.response.headers.get('location'), state, `authorize with the profile's session (HTTP ${exchange.response.status})`);
    } catch (error) {
      throw new StepError((error as Error).message);
    }
  }

  const ctx: PlanContext = {
    profile,
    code: (verifier) => authorizationCode('openid', verifier),
    refreshToken: () => (refreshToken ??= (async () => {
      const code = await authorizationCode(['openid', ...authorizationScopes()].join(' '));
      const exchange = await session.step('exchangeAuthorizationCode', codeExchangeRequest(profile.authentication!, code));
      const token = json(exchange).refresh_token;
      if (typeof token !== 'string') throw new StepError('the code exchange issued no refresh token');
      return token;
    })()),
    directMatchToken: () => (dmToken ??= (async () => {
      const dm = profile.directMatch!;
      const now = ctx.now();
      const assertion = signJws({
        header: { alg: ASSERTION_ALG, typ: ASSERTION_TYP, kid: dm.privateJwk!.kid },
        payload: { iss: dm.clientId, client_id: dm.clientId, sub: dm.subjects!.known.msisdn, sub_type: ASSERTION_SUB_TYPE, scope: dm.scope, aud: ASSERTION_AUDIENCE, jti: `fuzz-jti-${session.nextStep()}`, iat: now, exp: now + 3600 },
      }, ctx.signing());
      const exchange = await session.step('requestJwtBearerToken', { method: 'POST', path: pathOf('requestJwtBearerToken'), form: { grant_type: JWT_BEARER_GRANT_TYPE, assertion } });
      const token = json(exchange).access_token;
      if (typeof token !== 'string') throw new StepError(`the JWT bearer token request gave HTTP ${exchange.response.status} without an access token`);
      return token;
    })()),
    now: () => Math.floor(Date.now() / 1000),
    signing(mode = 'key'): Signing {
      if (mode === 'other-key') otherKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      return { mode, ...(profileKey ? { key: profileKey } : {}), ...(otherKey ? { otherKey } : {}) };
    },
  };
  return ctx;
}

export type Setup = ReturnType<ReturnType<typeof createBuilder>['setup']>;

export function createBuilder(session: FuzzSession) {
  const ctx = planContext(session);
  const { profile } = session;

  function makeSetup(op: Operation, stateful: boolean) {
    const shape = requestShape(op.operationId);
    const plan = PLANS[op.operationId];
    const bound = plan.bound?.(ctx) ?? {};
    const override = new Map(Object.entries(plan.override?.(profile, stateful) ?? {}));
    const generate = { bound: Object.keys(bound).map((k) => k.split('/')), override };
    return {
      shape, plan, generate, stateful,
      providers: new Map(Object.entries(bound)),
      arbitrary: valid(shape.schema, generate) as fc.Arbitrary<RequestValue>,
    };
  }

  /** Per operation (and mode): the shape, plan, providers and arbitraries, built once. */
  const setups = new Map<string, ReturnType<typeof makeSetup>>();
  const setup = (op: Operation, stateful = false) => {
    const key = `${op.operationId} ${stateful}`;
    return setups.get(key) ?? setups.set(key, makeSetup(op, stateful)).get(key)!;
  };

  /** A valid request's HTTP form: adjusted, broken (negative), bound, with credentials, signed. What was generated
   *  (the value, the violation) is no secret: the reproducers show it, even where a secret would stand. */
  async function build(s: ReturnType<typeof makeSetup>, value: RequestValue, change: Change = {}): Promise<HttpRequest> {
    for (const generated of generatedStrings([value, change.violation?.value])) session.redactor.allow(generated);
    let v = s.plan.adjust ? s.plan.adjust(value, s.stateful) : value;
    for (const [path, member] of Object.entries(change.members ?? {})) v = setAt(v, path.split('/'), member) as RequestValue;
    for (const [path, member] of Object.entries(change.variant?.members ?? {})) {
      // The fuzzer's own values (a downgrade's verifier), shown like the generated ones: a secret stays redacted.
      const made = member(ctx);
      if (typeof made === 'string') session.redactor.allow(made);
      v = setAt(v, path.split('/'), made) as RequestValue;
    }
    if (change.violation) v = applyViolation(v, change.violation) as RequestValue;
    v = await fillBound(v, s.providers);
    const headers: Record<string, string> = { ...(change.headers?.Authorization ? {} : await s.plan.credentials?.(ctx)), ...change.headers };
    for (const [name, value] of Object.entries(change.variant?.headers ?? {})) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    const signing = ctx.signing(change.variant?.signing ?? s.plan.signing ?? 'key');
    return toHttpRequest(s.shape, v, { ...change.extras, headers, signing });
  }

  return { ctx, setup, build };
}
