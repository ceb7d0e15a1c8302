/** What several commands take alike: `--api`, `--profile`, report files and the reports written at the end. */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ProfileError, loadProfile, resolveProfilePath, type LoadedProfile } from '../conformance/profile.js';
import { htmlReport, jsonReport, junitReport, type Report } from '../conformance/report/index.js';
import { API_SLUGS, type ApiSlug } from '../src/contract/load.js';
import { ConfigError, UsageError, type Values } from './command.js';

/**
 * Creates `dir` and its missing parents, one at a time. Not `mkdirSync(dir, { recursive: true })`: under a
 * pseudo-filesystem that refuses new folders with ENOENT (`/proc/no-such/x`), node 20's recursive mkdir loops for
 * ever; here the first refusal is the error.
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d);
}

/** Checks that each report file can be written (creating its folder) before anything runs. */
export function prepareReportPaths(values: Values, names: readonly string[]): void {
  for (const name of names) {
    const file = values[name];
    if (typeof file !== 'string') continue;
    const dir = path.dirname(path.resolve(file));
    try {
      makeDirectory(dir);
      accessSync(dir, constants.W_OK);
    } catch (error) {
      throw new ConfigError(`cannot write --${name} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} on ${dir}`);
    }
  }
}

/** `--api` values, checked against the contract's APIs. */
export function apisOption(values: Values): ApiSlug[] {
  const apis = (values.api as string[] | undefined) ?? [...API_SLUGS];
  const unknown = apis.filter((a) => !API_SLUGS.includes(a as ApiSlug));
  if (unknown.length) throw new UsageError(`unknown API ${unknown.join(', ')}; known: ${API_SLUGS.join(', ')}`);
  return apis as ApiSlug[];
}

/** `--profile`: a shipped profile or a file, loaded; an unknown or invalid one is a ConfigError. */
export function profileOption(values: Values): LoadedProfile & { path: string } {
  try {
    const file = resolveProfilePath(values.profile as string);
    return { ...loadProfile(file), path: file };
  } catch (error) {
    if (error instanceof ProfileError) throw new ConfigError(error.message);
    throw error;
  }
}

export { REPORT_FILES, reportOptions } from './report-options.js';

/** Writes the JUnit (`--report`), HTML (`--html`) and JSON (`--json`) reports asked for, and says where. */
export async function writeReports(values: Values, report: Report): Promise<void> {
  for (const [name, label, render] of [['report', 'JUnit', junitReport], ['html', 'HTML', htmlReport], ['json', 'JSON', jsonReport]] as const) {
    const file = values[name];
    if (typeof file !== 'string') continue;
    await writeFile(file, render(report));
    console.error(`${label} report: ${file}`);
  }
}

/** Checks that something answers at `target` (any status), before a run; the connection is let go at once. */
export async function reachTarget(target: string): Promise<void> {
  try {
    const response = await fetch(target, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
  } catch (error) {
    throw new ConfigError(`cannot reach ${target}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
  }
}
