/**
 * What a run would do, decided before anything is sent: the cases selected (`--api`, `--grep`), the order they
 * start in (each after the cases it needs), and the ones skipped with their reason (a value case against a mock,
 * a mock-only response on a live target, what the profile lacks). `orange-identity conformance --list` prints it;
 * the runner runs it. Whether a precondition breaks, and so blocks its dependants, is only known while running.
 *
 * Entry points: `planRun(options)` → `RunPlan`, `skipReason(c, profile, setup)`, `listing(plan)`.
 */
import { loadCatalogue, runOrder, selectCases } from './catalogue.js';
import type { RunSetup } from './context.js';
import type { Profile } from './profile.js';
import { prepareRunKey, type RunKey } from './sandbox-admin.js';
import { isMockOnly, type Case } from './types.js';
import type { ApiSlug } from '../src/contract/load.js';

export interface PlanOptions {
  profile: Profile;
  apis?: readonly ApiSlug[];
  /** Only the cases whose id matches. */
  grep?: RegExp;
  setup?: RunSetup;
}

export interface RunPlan {
  /** The profile the run uses: with the run's own key when the sandbox's admin API registers one. */
  profile: Profile;
  /** The key registration to send first, when there is one. */
  runKey: RunKey;
  /** The selected cases, in catalogue order (the order of the reports). */
  cases: Case[];
  /** The same, in the order they start. */
  order: Case[];
  /** Why a case will not run, by case id. */
  skips: Map<string, string>;
  setup: RunSetup;
}

/** Why `c` does not run with this profile and setup, or undefined when it runs. */
export function skipReason(c: Case, profile: Profile, setup: RunSetup = {}): string | undefined {
  if (profile.kind === 'mock') return c.variant ? 'value case: checked against live targets (a mock serves the named examples only)' : undefined;
  if (!c.trigger) return undefined; // a defect of the suite: the case fails, naming it
  if (isMockOnly(c.trigger)) return profile.sandboxAdmin ? undefined : `mock-only: ${c.trigger.mockOnly}`;
  return c.trigger.requires?.(profile, setup);
}

export async function planRun(options: PlanOptions): Promise<RunPlan> {
  const setup = options.setup ?? {};
  const runKey = await prepareRunKey(options.profile);
  const cases = selectCases(loadCatalogue(options.apis).cases, options.grep);
  const skips = new Map<string, string>();
  for (const c of cases) {
    const reason = skipReason(c, runKey.profile, setup);
    if (reason !== undefined) skips.set(c.id, reason);
  }
  return { profile: runKey.profile, runKey, cases, order: runOrder(cases), skips, setup };
}

/** The plan as text: one line per case (run, or skip with the reason; the cases each runs after), then the counts. */
export function listing(plan: RunPlan): string {
  const selected = new Set(plan.cases.map((c) => c.id));
  const lines = plan.cases.map((c) => {
    const skip = plan.skips.get(c.id);
    if (skip !== undefined) return `skip  ${c.id}: ${skip}`;
    const after = plan.profile.kind === 'live' ? c.dependsOn.filter((d) => selected.has(d)) : [];
    return `run   ${c.id}${after.length ? ` (after ${after.join(', ')})` : ''}`;
  });
  const skipped = plan.skips.size;
  lines.push('', `${plan.cases.length} cases: ${plan.cases.length - skipped} would run, ${skipped} would be skipped; nothing was sent`);
  return lines.join('\n');
}
