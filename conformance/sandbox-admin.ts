/**
 * What the suite does with the reference sandbox's admin API (openapi/sandbox-admin.yaml) when a profile
 * declares it (`sandboxAdmin: true`); no other target is asked anything beyond its APIs.
 *
 * - A fresh RS256 key for the run: generated before the run (`prepareRunKey`), its JWKS registered for the
 *   profile's Direct Match client as the portal's Settings tab registers one, so that no profile points at a
 *   private key. The registration is the first step of the first case that signs with the key (the precondition
 *   `requestJwtBearerToken/200/AccessToken#profile-key`): when it fails, that case fails naming why, and the cases
 *   that need the key are blocked by it. `withRunKey` registers at once (the fuzzer's way).
 * - The cases no request can provoke (a 500, a 503: mock-only elsewhere) are provoked by a fault armed for that
 *   one request: the documented response of the case, scoped by a header to the request that carries it, so
 *   that cases running in parallel do not take each other's faults.
 */
import { randomBytes } from 'node:crypto';
import { SANDBOX_ADMIN_ROUTES } from '../generated/sandbox-admin.js';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import type { HttpRequest, HttpResponse } from './http.js';
import type { Profile } from './profile.js';
import type { Case } from './types.js';

type Send = (request: HttpRequest) => Promise<HttpResponse>;

/** The header that ties an armed fault to the one request of its case. */
const FAULT_HEADER = 'X-Conformance-Case';

/** The path of an admin operation (openapi/sandbox-admin.yaml), its `{parameters}` filled in. */
export const adminPath = (operationId: (typeof SANDBOX_ADMIN_ROUTES)[number]['operationId'], params: Record<string, string> = {}) =>
  SANDBOX_ADMIN_ROUTES.find((r) => r.operationId === operationId)!.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name]!));

/** Why an admin API answer means the target is not the sandbox the profile declares, or undefined when it worked. */
export function adminFailure(response: HttpResponse, what: string): string | undefined {
  if (response.status < 300) return undefined;
  const media = response.headers.get('content-type')?.split(';')[0] ?? 'no content type';
  return `the target does not serve the Orange identity APIs' reference sandbox, which the profile declares (sandboxAdmin): its admin API, asked to ${what}, answered HTTP ${response.status} ${media} (is the target the sandbox, reached on a loopback name?)`;
}

async function admin(send: Send, request: HttpRequest, what: string): Promise<HttpResponse> {
  const response = await send(request);
  const failed = adminFailure(response, what);
  if (failed) throw new Error(failed);
  return response;
}

/** What the run's own key needs: the profile that signs with it, and the admin request that registers it. */
export interface RunKey {
  profile: Profile;
  /** The registration to send before the key signs anything; absent when the profile keeps its own key. */
  registration?: HttpRequest;
  /** What the registration does, for the message of its failure. */
  what?: string;
}

/**
 * With `sandboxAdmin` and no Direct Match private key, a fresh key (generated here, nothing sent) for the
 * profile's Direct Match client, and the request that registers its JWKS as the portal's Settings tab does (the
 * other clients of the profile sign with it too: their cases fail before any signature check). Otherwise the
 * profile as it is.
 */
export async function prepareRunKey(profile: Profile): Promise<RunKey> {
  const dm = profile.directMatch;
  if (!profile.sandboxAdmin || !dm || dm.privateJwk) return { profile };
  const key = await generateSigningKey();
  return {
    profile: { ...profile, directMatch: { ...dm, privateJwk: key.privateJwk } },
    registration: { method: 'PUT', path: adminPath('registerJwks', { clientId: dm.clientId }), json: key.jwks },
    what: `register the run's key for ${dm.clientId}`,
  };
}

/** The profile for a run, its own key registered at once when `prepareRunKey` makes one (the fuzzer's way). */
export async function withRunKey(profile: Profile, send: Send): Promise<Profile> {
  const key = await prepareRunKey(profile);
  if (key.registration) await admin(send, key.registration, key.what!);
  return key.profile;
}

/** Arms the fault that makes `request` (the case's valid request) answer the case's documented response. */
export async function withFault(c: Case, request: HttpRequest, send: Send): Promise<HttpRequest> {
  const value = `${c.id} ${randomBytes(8).toString('base64url')}`;
  await admin(send, {
    method: 'POST', path: adminPath('injectFault'),
    json: { operationId: c.operation.operationId, status: Number(c.status), example: c.example.name, header: { name: FAULT_HEADER, value } },
  }, `arm the fault of ${c.id}`);
  return { ...request, headers: { ...request.headers, [FAULT_HEADER]: value } };
}
