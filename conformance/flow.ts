/**
 * What a run learns across exchanges that later checks need (OAuth 2.0 flows, RFC 6749): which client, nonce and
 * scope an authorization code was asked with (from the authorize request whose redirect carried it), which scope a
 * refresh token was granted, which scope a JWT bearer assertion asks (RFC 7523), which end-user an access token
 * from the code flow is for (its id_token's `sub`). The suite, the proxy and the fuzzer feed it every exchange,
 * and ask it what the response to a request must agree with.
 *
 * What it holds is bounded, whatever the run length (a proxy left in front of a deployment for days): at most
 * `max` entries (10,000 by default) of each kind, the least recently used going first; a code, refresh token or
 * access token that went is then unknown, and what would have been checked against it is not checked (nothing is
 * failed for want of it).
 *
 * It also says what a flow forbids (`flowFailures`): a code exchanged with success a second time (RFC 6749
 * section 4.1.2: a code is for one use), and an authorization redirect whose `state` is not the one the request
 * sent (section 4.1.2 and 4.1.2.1).
 *
 * Entry points: `new FlowMemory({ max })`, `learn(exchange)`, `contextFor(request)` → `{ clientId?, nonce?, scope?,
 * subject?, redeemed? }`, `size`, `flowFailures(exchange, facts)`, `isRefusal(response)`.
 */
import codeRequest from '../generated/authentication-fr/schemas/AuthorizationCodeTokenRequest.json' with { type: 'json' };
import refreshRequest from '../generated/authentication-fr/schemas/RefreshTokenRequest.json' with { type: 'json' };
import { LRUCache } from 'lru-cache';
import { JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { isFormMediaType, parseForm } from '../src/contract/form.js';
import { failure, type Failure } from './failures.js';
import type { Exchange, HttpResponse, WireRequest } from './http.js';
import { decodeJws } from './jwt.js';

const CODE_GRANT = codeRequest.properties.grant_type.const;
const REFRESH_GRANT = refreshRequest.properties.grant_type.const;

export interface FlowFacts {
  /** The client_id of the authorization request (an id_token's aud must hold it). */
  clientId?: string;
  /** The nonce of the authorization request (an id_token must carry it). */
  nonce?: string;
  /** The end-user a bearer token is for (a userinfo `sub` must be it). */
  subject?: string;
  /** The scope asked, or granted for a refresh: a token response's `scope` must be within it. */
  scope?: string[];
  /** The code of this token request was exchanged with success before: it must be refused. */
  redeemed?: true;
}

/** Entries of each kind a `FlowMemory` keeps by default. */
export const FLOW_MEMORY_MAX = 10_000;

/** A refusal: a 4xx or 5xx, or a redirect carrying `error` (RFC 6749 section 4.1.2.1). */
export function isRefusal(response: HttpResponse): boolean {
  if (response.status >= 400) return true;
  if (response.status >= 300 && response.status < 400) {
    try {
      return new URL(response.headers.get('location') ?? '').searchParams.has('error');
    } catch {
      return false;
    }
  }
  return false;
}

const words = (value: unknown): string[] | undefined => (typeof value === 'string' ? value.split(' ').filter(Boolean) : undefined);

/** A form body's parameters (src/contract/form.ts); undefined when the body is not a form. */
const formOf = (request: WireRequest): Record<string, string> | undefined =>
  (isFormMediaType(request.headers.get('content-type')) ? parseForm(request.body).params : undefined);

export class FlowMemory {
  private readonly codes: LRUCache<string, FlowFacts>;
  private readonly refreshTokens: LRUCache<string, FlowFacts>;
  private readonly subjects: LRUCache<string, string>;
  private readonly redeemed: LRUCache<string, true>;

  constructor(options: { max?: number } = {}) {
    const max = options.max ?? FLOW_MEMORY_MAX;
    this.codes = new LRUCache({ max });
    this.refreshTokens = new LRUCache({ max });
    this.subjects = new LRUCache({ max });
    this.redeemed = new LRUCache({ max });
  }

  /** Entries held, all kinds together (at most four times `max`). */
  get size(): number {
    return this.codes.size + this.refreshTokens.size + this.subjects.size + this.redeemed.size;
  }

  /** What `request` (a token request) was preceded by: the facts its response must agree with. */
  contextFor(request: WireRequest): FlowFacts {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    const subject = bearer ? this.subjects.get(bearer) : undefined;
    if (subject) return { subject };
    const form = formOf(request);
    if (!form) return {};
    if (form.grant_type === CODE_GRANT) {
      const facts = this.codes.get(form.code ?? '') ?? {};
      return this.redeemed.has(form.code ?? '') ? { ...facts, redeemed: true } : facts;
    }
    if (form.grant_type === REFRESH_GRANT) {
      const granted = this.refreshTokens.get(form.refresh_token ?? '');
      const asked = words(form.scope);
      return asked ? { scope: granted?.scope ? asked.filter((s) => granted.scope!.includes(s)) : asked } : { ...(granted?.scope ? { scope: granted.scope } : {}) };
    }
    if (form.grant_type === JWT_BEARER_GRANT_TYPE) {
      const payload = decodeJws(form.assertion ?? '')?.payload as { scope?: unknown } | undefined;
      const scope = Array.isArray(payload?.scope) ? payload.scope.filter((s): s is string => typeof s === 'string') : words(payload?.scope);
      return scope ? { scope } : {};
    }
    return {};
  }

  learn(exchange: Exchange): void {
    const { request, response } = exchange;
    const url = new URL(request.url);
    if (response.status >= 300 && response.status < 400 && url.searchParams.get('response_type') === 'code') {
      const location = response.headers.get('location');
      let code: string | null = null;
      try {
        code = location ? new URL(location).searchParams.get('code') : null;
      } catch { /* not a URL: the checks say so */ }
      if (code) {
        const nonce = url.searchParams.get('nonce');
        const clientId = url.searchParams.get('client_id');
        this.codes.set(code, { ...(clientId ? { clientId } : {}), ...(nonce ? { nonce } : {}), ...(url.searchParams.has('scope') ? { scope: words(url.searchParams.get('scope'))! } : {}) });
      }
      return;
    }
    const form = formOf(request);
    if (response.status !== 200 || !form) return;
    if (form.grant_type === CODE_GRANT && form.code) this.redeemed.set(form.code, true);
    let body: { access_token?: unknown; refresh_token?: unknown; id_token?: unknown; scope?: unknown };
    try {
      body = JSON.parse(response.text);
    } catch {
      return;
    }
    const sub = typeof body?.id_token === 'string' ? (decodeJws(body.id_token)?.payload as { sub?: unknown } | undefined)?.sub : undefined;
    if (typeof sub === 'string' && typeof body.access_token === 'string') this.subjects.set(body.access_token, sub);
    if (typeof body?.refresh_token !== 'string') return;
    const asked = this.contextFor(request).scope;
    const granted = words(body.scope) ?? asked;
    this.refreshTokens.set(body.refresh_token, granted ? { scope: granted } : {});
  }
}

/** What the flow forbids of this exchange's response, given the facts `contextFor` gave before it. */
export function flowFailures(exchange: Exchange, facts: FlowFacts): Failure[] {
  const { request, response } = exchange;
  const failures: Failure[] = [];
  if (facts.redeemed && !isRefusal(response)) {
    failures.push(failure('use_after_free', 'a refusal: this code was exchanged with success before, and a code is for one use (RFC 6749 section 4.1.2)', `accepted: HTTP ${response.status}`, 'code'));
  }
  const sent = new URL(request.url).searchParams;
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && sent.get('response_type') === 'code' && sent.has('state') && location && URL.canParse(location)) {
    const back = new URL(location).searchParams;
    if ((back.has('code') || back.has('error')) && back.get('state') !== sent.get('state')) {
      failures.push(failure('location', `state ${sent.get('state')}, the one the authorization request sent (RFC 6749 section 4.1.2)`, back.get('state') ?? 'absent', 'state'));
    }
  }
  return failures;
}
