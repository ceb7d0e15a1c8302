/** Types shared by the conformance catalogue, its triggers, the checks and the runner. */
import type { ValueExpectation } from './checks.js';
import type { TriggerContext } from './context.js';
import type { HttpRequest } from './http.js';
import type { Profile } from './profile.js';

export type { HttpRequest, ValueExpectation };

export interface Trigger {
  /** Says what the profile lacks for this trigger, if anything; the case is then skipped, with that reason. */
  requires?: (profile: Profile) => string | undefined;
  /** The real request that provokes the documented response on a real server (steps before it go through
   *  `ctx.http`, and are checked too). */
  request(ctx: TriggerContext): Promise<HttpRequest>;
  /** Values the response must carry, computed from the profile and the request sent. */
  expect?(ctx: TriggerContext, sent: HttpRequest): ValueExpectation;
}

/** A response that cannot be provoked on demand (a 500, a 503): checked against mocks only. */
export interface MockOnly {
  mockOnly: string;
}

export type TriggerSpec = Trigger | MockOnly;

/**
 * Triggers of one API, keyed `operationId/status/example`. A key `operationId/status/example#variant` is a value
 * case of that example: another request, computed from the profile's subject, that must get a response of that
 * example's kind (live targets only).
 */
export type TriggerTable = Record<string, TriggerSpec>;

export const isMockOnly = (spec: TriggerSpec): spec is MockOnly => 'mockOnly' in spec;
