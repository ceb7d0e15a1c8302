/**
 * `--login <module|manual|sandbox>`: how a run gets authorization codes from a real login page instead of a
 * session cookie in the profile.
 *
 * - `manual`: the authorize URL printed, the callback URL pasted on stdin (manual.ts).
 * - a shipped module by name: `sandbox`, for the reference sandbox's own login and consent page (sandbox.ts).
 * - a path to an ES module whose default export is a `LoginModule` (types.ts), driven in chromium (browser.ts).
 *
 * Entry points: `openLogin(spec, options)` → `OpenedLogin`, `SHIPPED_LOGINS`, `LoginModule`, `LoginArguments`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import type { EndUserLogin } from '../context.js';
import type { Profile } from '../profile.js';
import { browserLogin } from './browser.js';
import { manualLogin } from './manual.js';
import sandboxLogin from './sandbox.js';
import type { LoginModule } from './types.js';

export type { LoginArguments, LoginModule } from './types.js';

/** The login modules the package ships, by name. */
export const SHIPPED_LOGINS: Record<string, LoginModule> = { sandbox: sandboxLogin };

export interface OpenLoginOptions {
  profile: Profile;
  /** Where `manual` reads pasted URLs (stdin) and prints what to open (stderr). */
  input: Readable;
  output: Writable;
  /** How long one authorization request may take in the browser (2 minutes by default). */
  timeoutMs?: number;
}

export interface OpenedLogin extends EndUserLogin {
  close(): Promise<void>;
}

/** The default export of the module at `file`, checked to be a function. */
async function loadModule(file: string): Promise<LoginModule> {
  let loaded: { default?: unknown };
  try {
    loaded = await import(pathToFileURL(path.resolve(file)).href);
  } catch (error) {
    throw new Error(`--login ${file}: cannot load the module (${(error as Error).message.split('\n')[0]}); give manual, ${Object.keys(SHIPPED_LOGINS).join(', ')}, or the path of an ES module`);
  }
  if (typeof loaded.default !== 'function') throw new Error(`--login ${file}: the module's default export is not a function ({ page, authorizeUrl, profile }) => Promise<void>`);
  return loaded.default as LoginModule;
}

/** Opens the login `spec` names (see the module comment); an Error says why it cannot. */
export async function openLogin(spec: string, options: OpenLoginOptions): Promise<OpenedLogin> {
  const redirectUri = options.profile.authentication?.redirectUri;
  if (!redirectUri) throw new Error(`--login ${spec}: the profile has no authentication client (authentication.redirectUri): there is no code flow to log in to`);
  if (spec === 'manual') return manualLogin({ input: options.input, output: options.output, redirectUri });
  const shipped = SHIPPED_LOGINS[spec];
  const module = shipped ?? await loadModule(spec);
  return browserLogin(module, { profile: options.profile, label: shipped ? spec : path.relative(process.cwd(), path.resolve(spec)), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
}
