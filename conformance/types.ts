/** Types shared by the conformance catalogue, its triggers, the checks and the runner. */
import type { TriggerContext } from './context.js';
import type { Profile } from './profile.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path on the target, as in the contract (`/direct-matchid/fr/v1/matchid`). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A JSON body (sent with `Content-Type: application/json` unless `headers` says otherwise). */
  json?: unknown;
  /** A form body (sent with `Content-Type: application/x-www-form-urlencoded`). */
  form?: Record<string, string>;
  /** A body sent as is, for deliberately malformed requests. */
  rawBody?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** The values a live response must carry beyond what the schema says (errors are checked without this). */
export interface ValueExpectation {
  /** The body must equal this. */
  body?: unknown;
  /** The body must contain these members with these values (deeply). */
  subset?: unknown;
  /** The redirect must go to the registered redirect URI with these query members (`true`: present). */
  location?: Record<string, string | true>;
}

export interface Trigger {
  /** Says what the profile lacks for this trigger, if anything; the case is then skipped, with that reason. */
  requires?: (profile: Profile) => string | undefined;
  /** The real request that provokes the documented response on a real server. */
  request(ctx: TriggerContext): Promise<HttpRequest>;
  /** Values the response must carry, computed from the profile and the request sent. */
  expect?(ctx: TriggerContext, sent: HttpRequest): ValueExpectation;
}

/** A response that cannot be provoked on demand (a 500, a 503): checked against mocks only. */
export interface MockOnly {
  mockOnly: string;
}

export type TriggerSpec = Trigger | MockOnly;

/** Triggers of one API, keyed `operationId/status/example`. */
export type TriggerTable = Record<string, TriggerSpec>;

export const isMockOnly = (spec: TriggerSpec): spec is MockOnly => 'mockOnly' in spec;
