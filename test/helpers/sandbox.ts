import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importJWK, type JWK } from 'jose';
import { loadFixture, type Fixture } from '../../sandbox/fixture.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';

export interface RunningSandbox { url: string; sandbox: Sandbox; close(): Promise<void> }

/** The sandbox on a free loopback port, with the default fixture unless told otherwise. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await createSandbox(options);
  const url = await sandbox.listen(0);
  return { url, sandbox, close: () => sandbox.close() };
}

export const defaultFixture = (): Fixture => loadFixture();

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
