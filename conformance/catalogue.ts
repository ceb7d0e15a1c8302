/**
 * The case catalogue: every named response example of every operation of the contract is a case,
 * `slug/operationId/status/example`, paired with the trigger that provokes it; and every value case a trigger
 * table adds to an example (`operationId/status/example#variant`, a request computed from the profile's subject)
 * is a case `slug/operationId/status/example#variant`. Webhooks (requests Orange sends to the client) are not
 * cases. `catalogueProblems` is the guard: an example without a trigger, or a trigger without an example, is a
 * defect of the suite.
 */
import { API_SLUGS, dereferencedBundle, type ApiSlug } from '../src/contract/load.js';
import { collectExamples, listOperations, type JsonObject, type NamedExample, type Operation } from '../src/contract/examples.js';
import { operation as operationEntry, type OperationId } from '../src/contract/operations.js';
import { TRIGGERS } from './triggers/index.js';
import type { TriggerSpec } from './types.js';

export interface Case {
  id: string;
  slug: ApiSlug;
  operation: Operation;
  status: string;
  example: NamedExample;
  /** The contract's response object for this status, dereferenced. */
  response: JsonObject;
  /** Every named example of the same body or header, for checks against a mock. */
  siblings: NamedExample[];
  trigger: TriggerSpec | undefined;
  /** The value case's name, for a case another request computed from the profile (`near-miss`). */
  variant?: string;
  /** How the operation authenticates, from its security scheme (the operation table). */
  auth: 'bearer' | 'basic' | 'none';
}

export interface Catalogue {
  cases: Case[];
  /** Triggers whose example no longer exists in the contract. */
  orphanTriggers: string[];
}

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
      };
      cases.push(base);
      for (const variantKey of Object.keys(table).filter((k) => k.startsWith(`${key}#`))) {
        const variant = variantKey.slice(key.length + 1);
        cases.push({ ...base, id: `${example.id}#${variant}`, variant, trigger: table[variantKey] });
      }
    }
    const keys = new Set(examples.map((e) => `${e.operationId}/${e.status}/${e.name}`));
    orphanTriggers.push(...Object.keys(table).filter((k) => !keys.has(k.split('#')[0]!)).map((k) => `${slug}/${k}`));
  }
  return { cases, orphanTriggers };
}

/** What makes the catalogue incomplete: examples without a trigger, triggers without an example. */
export function catalogueProblems(catalogue: Catalogue): string[] {
  return [
    ...catalogue.cases.filter((c) => !c.trigger).map((c) => `example ${c.id} has no trigger (conformance/triggers/${c.slug}.ts)`),
    ...catalogue.orphanTriggers.map((id) => `trigger ${id} has no example in the contract`),
  ];
}
