/**
 * The case catalogue: every named response example of every operation of the contract is a case,
 * `slug/operationId/status/example`, paired with the trigger that provokes it; and every value case a trigger
 * table adds to an example (`operationId/status/example#variant`, a request computed from the profile's subject)
 * is a case `slug/operationId/status/example#variant`. Webhooks (requests Orange sends to the client) are not
 * cases. `catalogueProblems` is the guard: an example without a trigger, a trigger without an example, a
 * dependency on no case or a circle of dependencies is a defect of the suite.
 *
 * Dependencies: a trigger's `after` names the cases it needs (a precondition: the client credentials accepted, a
 * code for the end-user session, a token with the Direct Match key). `dependsOn` holds their ids; `runOrder`
 * puts every case after the ones it needs; `selectCases` keeps the cases whose id matches `--grep`.
 *
 * Entry points: `loadCatalogue(slugs)`, `catalogueProblems(catalogue)`, `selectCases(cases, pattern)`,
 * `runOrder(cases)`; the types are in types.ts.
 */
import { API_SLUGS, dereferencedBundle, type ApiSlug } from '../src/contract/load.js';
import { collectExamples, listOperations, type JsonObject } from '../src/contract/examples.js';
import { operation as operationEntry, type OperationId } from '../src/contract/operations.js';
import { TRIGGERS } from './triggers/index.js';
import { isMockOnly, type Case, type Catalogue, type TriggerSpec } from './types.js';

export type { Case, Catalogue } from './types.js';

/** A trigger's `after` entry as a case id: a key of the same table gets the table's slug. */
const dependencyId = (slug: ApiSlug, ref: string): string => (API_SLUGS.some((s) => ref.startsWith(`${s}/`)) ? ref : `${slug}/${ref}`);

const dependenciesOf = (slug: ApiSlug, trigger: TriggerSpec | undefined): string[] =>
  (trigger && !isMockOnly(trigger) ? (trigger.after ?? []).map((ref) => dependencyId(slug, ref)) : []);

export function loadCatalogue(slugs: readonly ApiSlug[] = API_SLUGS): Catalogue {
  const cases: Case[] = [];
  const orphanTriggers: string[] = [];
  for (const slug of slugs) {
    const doc = dereferencedBundle(slug);
    const operations = new Map(listOperations(slug, doc).filter((o) => !o.webhook).map((o) => [o.operationId, o]));
    const examples = collectExamples(slug, doc).filter((e) => e.kind === 'response' && !e.webhook);
    const table = TRIGGERS[slug];
    for (const example of examples) {
      const operation = operations.get(example.operationId)!;
      const key = `${example.operationId}/${example.status}/${example.name}`;
      const base: Case = {
        id: example.id, slug, operation, status: example.status!, example,
        response: (operation.operation.responses as JsonObject)[example.status!] as JsonObject,
        siblings: examples.filter((e) => e.operationId === example.operationId && e.status === example.status && e.mediaType === example.mediaType && e.header === example.header),
        trigger: table[key],
        auth: operationEntry(example.operationId as OperationId).auth,
        dependsOn: dependenciesOf(slug, table[key]),
      };
      cases.push(base);
      for (const variantKey of Object.keys(table).filter((k) => k.startsWith(`${key}#`))) {
        const variant = variantKey.slice(key.length + 1);
        cases.push({ ...base, id: `${example.id}#${variant}`, variant, trigger: table[variantKey], dependsOn: dependenciesOf(slug, table[variantKey]) });
      }
    }
    const keys = new Set(examples.map((e) => `${e.operationId}/${e.status}/${e.name}`));
    orphanTriggers.push(...Object.keys(table).filter((k) => !keys.has(k.split('#')[0]!)).map((k) => `${slug}/${k}`));
  }
  return { cases, orphanTriggers };
}

/** The dependency circles among `cases`, each as the ids along it. */
function dependencyCircles(cases: readonly Case[]): string[][] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[][] = [];
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') {
      circles.push([...path.slice(path.indexOf(id)), id]);
      return;
    }
    state.set(id, 'open');
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep, [...path, id]);
    state.set(id, 'done');
  };
  for (const c of cases) visit(c.id, []);
  return circles;
}

/** What makes the catalogue incomplete: examples without a trigger, triggers without an example, dependencies on
 *  no case of the catalogue, circles of dependencies. */
export function catalogueProblems(catalogue: Catalogue): string[] {
  const ids = new Set(catalogue.cases.map((c) => c.id));
  const slugs = new Set(catalogue.cases.map((c) => c.slug));
  return [
    ...catalogue.cases.filter((c) => !c.trigger).map((c) => `example ${c.id} has no trigger (conformance/triggers/${c.slug}.ts)`),
    ...catalogue.orphanTriggers.map((id) => `trigger ${id} has no example in the contract`),
    // A dependency on an API left out of this catalogue is not a defect: that API was not loaded.
    ...catalogue.cases.flatMap((c) => c.dependsOn.filter((d) => !ids.has(d) && slugs.has(d.split('/')[0] as ApiSlug)).map((d) => `case ${c.id} runs after ${d}, which is no case`)),
    ...dependencyCircles(catalogue.cases).map((circle) => `the cases ${circle.join(' -> ')} depend on each other`),
  ];
}

/** A `--grep` pattern: a regular expression (JavaScript syntax) matched against case ids; an Error when it is not one. */
export function casePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new Error(`--grep takes a regular expression matched against case ids, and ${JSON.stringify(pattern)} is not one: ${(error as Error).message}`);
  }
}

/** The cases whose id matches `pattern` (all of them without one), in catalogue order. */
export function selectCases(cases: readonly Case[], pattern?: RegExp): Case[] {
  return pattern ? cases.filter((c) => pattern.test(c.id)) : [...cases];
}

/**
 * The order to start `cases` in: every case after the cases of `cases` it depends on, the cases others need as
 * early as possible, the rest in catalogue order. Dependencies outside `cases` are ignored (not selected).
 */
export function runOrder(cases: readonly Case[]): Case[] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const needed = new Set(cases.flatMap((c) => c.dependsOn).filter((id) => byId.has(id)));
  const placed = new Set<string>();
  const order: Case[] = [];
  const place = (c: Case, path: Set<string>) => {
    if (placed.has(c.id) || path.has(c.id)) return;
    path.add(c.id);
    for (const dep of c.dependsOn) {
      const d = byId.get(dep);
      if (d) place(d, path);
    }
    placed.add(c.id);
    order.push(c);
  };
  for (const c of cases) if (needed.has(c.id)) place(c, new Set());
  for (const c of cases) place(c, new Set());
  return order;
}
