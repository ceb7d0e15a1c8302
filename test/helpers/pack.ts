/**
 * The packages as a consumer gets them: packed with `npm pack`, installed with `npm ci` in a fresh folder, offline,
 * and measured.
 */
import { execFile } from 'node:child_process';
import { lstat, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../scripts/lib/contract.js';

export const run = promisify(execFile);

interface Manifest { name: string; version: string; license?: string; dependencies?: Record<string, string>; bin?: Record<string, string>; engines?: Record<string, string> }
interface LockEntry { version: string; resolved?: string; integrity?: string; dev?: boolean; link?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }

export interface Packed { manifest: Manifest; tarball: string }

/** Packs the root package (no workspace) or a workspace into `destination`. */
export async function pack(destination: string, workspace?: string): Promise<Packed> {
  const { stdout } = await run('npm', ['pack', '--silent', ...(workspace ? ['--workspace', workspace] : []), '--pack-destination', destination], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const dir = workspace ? (JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')).packages[`node_modules/${workspace}`].resolved as string) : '.';
  const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as Manifest;
  return { manifest, tarball: path.join(destination, stdout.trim().split('\n').pop()!) };
}

/** The lock key of a package's parent (`node_modules/a/node_modules/b` -> `node_modules/a`; top level -> ''). */
const parentOf = (key: string) => (key.lastIndexOf('/node_modules/') < 0 ? '' : key.slice(0, key.lastIndexOf('/node_modules/')));

/**
 * The entries of this repository's lockfile that `dependencies` (of the package at lock key `from`) resolve to at
 * run time, as npm looks them up (nested first, then each folder up), with theirs; the workspaces' own packages
 * (`link`) are left to the tarballs.
 */
function runtimeEntries(lock: Record<string, LockEntry>, from: string, dependencies: Record<string, string>, found: Map<string, LockEntry>): void {
  for (const name of Object.keys(dependencies)) {
    let key: string | undefined;
    for (let base = from; key === undefined; base = parentOf(base)) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock[candidate]) key = candidate;
      else if (!base) throw new Error(`${name} (needed by ${from || 'the root'}) is not in package-lock.json`);
    }
    const entry = lock[key]!;
    if (entry.link || found.has(key)) continue;
    found.set(key, entry);
    runtimeEntries(lock, key, { ...entry.dependencies, ...entry.optionalDependencies }, found);
  }
}

/**
 * Installs tarballs as a consumer would, with `npm ci`, but offline: the consumer's lockfile lists the packages
 * (from their tarballs) and their run-time dependencies exactly as this repository's lockfile resolves them, with
 * their integrity. `npm ci` of this repository put those tarballs in the npm cache, so no network and no package
 * metadata are needed, even on a cache that was empty before `npm ci`. The first package is the consumer's
 * dependency; the others are what it depends on from this repository's workspaces.
 */
export async function installOffline(dir: string, packed: Packed[]): Promise<void> {
  const lockfile = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const lock = lockfile.packages;
  // With `resolved` (the registry's tarball address, which this machine's npm config may leave out of lockfiles)
  // and `integrity`, npm takes each tarball from the cache by its integrity and never asks for metadata.
  const tarballUrl = (key: string, version: string) => {
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    return `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`;
  };
  const found = new Map<string, LockEntry>();
  for (const { manifest } of packed) {
    // A workspace's dependencies resolve from its folder; the root package's from the top.
    const workspace = lock[`node_modules/${manifest.name}`];
    const from = workspace?.link ? workspace.resolved! : '';
    runtimeEntries(lock, from, manifest.dependencies ?? {}, found);
  }
  // A workspace's nested dependencies sit under it in this repository, under its name in node_modules in the consumer.
  const workspaces = new Map(packed.map(({ manifest }) => [lock[`node_modules/${manifest.name}`]?.resolved, `node_modules/${manifest.name}`] as const).filter(([dir]) => dir));
  const consumerKey = (key: string) => [...workspaces].reduce((k, [from, to]) => (k.startsWith(`${from}/`) ? `${to}${k.slice(from!.length)}` : k), key);
  const entries = [...found].map(([key, entry]) => [consumerKey(key), { resolved: tarballUrl(key, entry.version), ...entry }] as const);
  const own = packed.map(({ manifest, tarball }) => [`node_modules/${manifest.name}`, {
    version: manifest.version, resolved: `file:${path.basename(tarball)}`, license: manifest.license, dependencies: manifest.dependencies, engines: manifest.engines,
    ...(manifest.bin ? { bin: Object.fromEntries(Object.entries(manifest.bin).map(([k, v]) => [k, v.replace(/^\.\//, '')])) } : {}),
  }] as const);
  const root = { name: 'consumer', private: true, type: 'module', dependencies: { [packed[0]!.manifest.name]: `file:${path.basename(packed[0]!.tarball)}` } };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(root));
  await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify({
    name: 'consumer', lockfileVersion: 3, requires: true,
    packages: { '': { name: 'consumer', dependencies: root.dependencies }, ...Object.fromEntries(own), ...Object.fromEntries(entries) },
  }));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
}

/** The bytes of every file under `dir`, symbolic links counted as links (not followed). */
export async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const stats = await lstat(path.join(entry.parentPath, entry.name));
    if (!stats.isDirectory()) total += stats.size;
  }
  return total;
}

/** The packages installed in `node_modules` (scoped ones as `@scope/name`), at any depth. */
export async function installedPackages(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(path.join(dir, 'node_modules'), { recursive: true, withFileTypes: true })) {
    if (entry.name !== 'package.json') continue;
    const relative = path.relative(path.join(dir, 'node_modules'), entry.parentPath).split(path.sep);
    const at = relative.lastIndexOf('node_modules');
    const name = relative.slice(at + 1);
    if (name.length === (name[0]?.startsWith('@') ? 2 : 1) && !name[0]!.startsWith('.')) names.push(name.join('/'));
  }
  return [...new Set(names)].sort();
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/** True when `node` holds, at any depth, an object with a string `kty` and a string private member (a private JWK). */
function holdsPrivateJwk(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const object = node as Record<string, unknown>;
  if (typeof object.kty === 'string' && PRIVATE_MEMBERS.some((m) => typeof object[m] === 'string')) return true;
  return Object.values(object).some(holdsPrivateJwk);
}

/** What in `text` (a file of a package) is private key material: a PEM private key, or a private JWK in a JSON or
 *  YAML file, or written as a JSON object inside any other file (code, HTML, Markdown). */
export function privateKeyMaterial(file: string, text: string): string | undefined {
  if (PEM_PRIVATE_KEY.test(text)) return 'a PEM private key';
  let parsed: unknown[] = [];
  try {
    if (file.endsWith('.json')) parsed = [JSON.parse(text)];
    if (/\.ya?ml$/.test(file)) parsed = parseAllDocuments(text).map((d) => d.toJS());
  } catch { /* not data: scanned as text below */ }
  if (parsed.some(holdsPrivateJwk)) return 'a private JWK';
  const member = new RegExp(`["'](?:${PRIVATE_MEMBERS.join('|')})["']\\s*:\\s*["'][A-Za-z0-9_-]{16,}`);
  for (const [object] of text.matchAll(/\{[^{}]*\}/g)) {
    if (/["']kty["']\s*:\s*["']/.test(object) && member.test(object)) return `a private JWK written in the text: ${object.slice(0, 60)}...`;
  }
  return undefined;
}

/** Every file under `dir` that holds private key material, with what it holds. */
export async function filesWithPrivateKeys(dir: string): Promise<{ scanned: number; found: string[] }> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const found: string[] = [];
  for (const entry of files) {
    const file = path.join(entry.parentPath, entry.name);
    const material = privateKeyMaterial(file, await readFile(file, 'utf8'));
    if (material) found.push(`${path.relative(dir, file)}: ${material}`);
  }
  return { scanned: files.length, found };
}
