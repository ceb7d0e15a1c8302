/**
 * What a run learns across exchanges that later checks need (OAuth 2.0 flows, RFC 6749): which client, nonce and
 * scope an authorization code was asked with (from the authorize request whose redirect carried it), which scope a
 * refresh token was granted, which scope a JWT bearer assertion asks (RFC 7523), which end-user an access token
 * from the code flow is for (its id_token's `sub`). The suite, the proxy and the fuzzer feed it every exchange,
 * and ask it what the response to a request must agree with.
 *
 * Entry points: `new FlowMemory()`, `learn(exchange)`, `contextFor(request)` → `{ clientId?, nonce?, scope?, subject? }`.
 */
import codeRequest from '../generated/authentication-fr/schemas/AuthorizationCodeTokenRequest.json' with { type: 'json' };
import refreshRequest from '../generated/authentication-fr/schemas/RefreshTokenRequest.json' with { type: 'json' };
import { JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { isFormMediaType, parseForm } from '../src/contract/form.js';
import type { Exchange, WireRequest } from './http.js';
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
}

const words = (value: unknown): string[] | undefined => (typeof value === 'string' ? value.split(' ').filter(Boolean) : undefined);

/** A form body's parameters (src/contract/form.ts); undefined when the body is not a form. */
const formOf = (request: WireRequest): Record<string, string> | undefined =>
  (isFormMediaType(request.headers.get('content-type')) ? parseForm(request.body).params : undefined);

export class FlowMemory {
  private readonly codes = new Map<string, FlowFacts>();
  private readonly refreshTokens = new Map<string, FlowFacts>();
  private readonly subjects = new Map<string, string>();

  /** What `request` (a token request) was preceded by: the facts its response must agree with. */
  contextFor(request: WireRequest): FlowFacts {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    const subject = bearer ? this.subjects.get(bearer) : undefined;
    if (subject) return { subject };
    const form = formOf(request);
    if (!form) return {};
    if (form.grant_type === CODE_GRANT) return this.codes.get(form.code ?? '') ?? {};
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
    if (response.status !== 200 || !formOf(request)) return;
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
