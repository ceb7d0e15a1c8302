/**
 * Types shared by the conformance catalogue, its triggers, the checks and the runner. This module imports no
 * module of the suite that imports it back (only types of the contract, of the trigger context and of the HTTP
 * model), so that the catalogue, the triggers and the checks depend on it and never on each other in a circle.
 */
import type { JsonObject, NamedExample, Operation } from '../src/contract/examples.js';
import type { ApiSlug } from '../src/contract/load.js';
import type { CheckName } from './failures.js';
import type { Requirement, TriggerContext } from './context.js';
import type { HttpRequest } from './http.js';

export type { HttpRequest };

/** The values a live response must carry beyond what the contract says, computed by the trigger. */
export interface ValueExpectation {
  /** The body must be this, member for member (`Approx` for a number within a tolerance). */
  body?: unknown;
  /** The body must contain these members with these values (deeply). */
  subset?: unknown;
  /** The check that names a mismatch of `body` or `subset` (`value` by default). */
  check?: CheckName;
  /** The redirect must go to the registered redirect URI with these query members (`true`: present). */
  location?: Record<string, string | true>;
  /** These members must be absolute URLs whose paths end with these paths, all under one base (the target's,
   *  or the public origin and path prefix it advertises from behind a gateway). */
  urlPaths?: Record<string, string>;
}

export interface Trigger {
  /** Says what the profile (and the run's setup, a `--login`) lacks for this trigger, if anything; the case is
   *  then skipped, with that reason. */
  requires?: Requirement;
  /**
   * Cases this one needs to have worked first: trigger keys of the same table (`operationId/status/example#variant`)
   * or case ids of another API. When one of them broke (see `precondition`), this case is skipped as
   * "blocked by <case id>" instead of failing again for the same cause.
   */
  after?: readonly string[];
  /**
   * This case is a precondition of others: what it establishes, for the failure that names the cause when it
   * breaks (the client credentials refused, no code for the end-user session, the Direct Match key unknown).
   */
  precondition?: string;
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

export interface Case {
  id: string;
  slug: ApiSlug;
  operation: Operation;
  status: string;
  example: NamedExample;
  /** The contract's response object for this status, dereferenced. */
  response: JsonObject;
  /** Every named example of the same body or header, for checks against a mock. */
  siblings: NamedExample[];
  trigger: TriggerSpec | undefined;
  /** The value case's name, for a case another request computed from the profile (`near-miss`). */
  variant?: string;
  /** How the operation authenticates, from its security scheme (the operation table). */
  auth: 'bearer' | 'basic' | 'none';
  /** The ids of the cases this one needs (its trigger's `after`, resolved). */
  dependsOn: string[];
}

export interface Catalogue {
  cases: Case[];
  /** Triggers whose example no longer exists in the contract. */
  orphanTriggers: string[];
}
