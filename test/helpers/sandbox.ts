import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importJWK, type JWK } from 'jose';
import { SANDBOX_ADMIN_ROUTES } from '../../generated/sandbox-admin.js';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { loadFixture, type Fixture } from '../../sandbox/fixture.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';

export interface RunningSandbox { url: string; sandbox: Sandbox; close(): Promise<void> }

/** The sandbox on a free loopback port, with the default fixture unless told otherwise. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = createSandbox(options);
  const url = await sandbox.listen(0);
  return { url, sandbox, close: () => sandbox.close() };
}

export type AdminOperationId = (typeof SANDBOX_ADMIN_ROUTES)[number]['operationId'];

/** A call to the sandbox's admin API at `url` as a test tool makes it (JSON, no Origin): its status and parsed body. */
export async function adminCall(url: string, operationId: AdminOperationId, options: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  const { method } = SANDBOX_ADMIN_ROUTES.find((r) => r.operationId === operationId)!;
  const response = await fetch(`${url}${adminPath(operationId, options.params)}`, {
    method, headers: { 'Content-Type': 'application/json', ...options.headers }, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A named example of a response of the admin document (generated/sandbox-admin/openapi.json). */
export function adminExample(response: string, name: string): any {
  adminBundle ??= JSON.parse(readFileSync(path.join(REPO_ROOT, 'generated/sandbox-admin/openapi.json'), 'utf8'));
  return adminBundle.components.responses[response].content['application/json'].examples[name].value;
}
let adminBundle: any;

/** A copy of the default fixture to change (the loaded one is shared per process, frozen). */
export const defaultFixture = (): Fixture => structuredClone(loadFixture());

/** A test key of the default fixture. */
export function fixtureKey(name: 'direct-match' | 'pending-jwks-uri' | 'key-without-kid'): JWK {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, `test/fixtures/keys/${name}.private.jwk.json`), 'utf8')) as JWK;
}
export const importFixtureKey = (name: Parameters<typeof fixtureKey>[0]) => importJWK(fixtureKey(name), 'RS256');

export async function post(url: string, body: Record<string, unknown> | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const form = typeof body === 'object' && headers['Content-Type'] === undefined;
  const response = await fetch(url, {
    method: 'POST',
    headers: form ? { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } : headers,
    body: typeof body === 'string' ? body : form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * Where the login page's form posts, resolved as a browser would against the page's URL, and against the same
 * page behind a gateway's path prefix (the form stays under the prefix).
 */
export function loginFormTargets(html: string, pageUrl: string): { direct: string; prefixed: string } {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (action === undefined) throw new Error('the page has no login form');
  const page = new URL(pageUrl);
  return {
    direct: new URL(action, page).pathname,
    prefixed: new URL(action, new URL(`/gateway/prefix${page.pathname}`, page)).pathname,
  };
}
