import { describe, expect, it } from 'vitest';
import { catalogueProblems, loadCatalogue } from '../../conformance/catalogue.js';
import { isMockOnly } from '../../conformance/types.js';
import { TRIGGERS } from '../../conformance/triggers/index.js';
import { collectExamples } from '../../src/contract/examples.js';
import { dereferencedBundle, type ApiSlug } from '../../src/contract/load.js';
import { listApis } from '../../scripts/lib/contract.js';

const catalogue = await loadCatalogue();

describe('the case catalogue', () => {
  it('has a trigger for every named response example, and an example for every trigger', () => {
    expect(catalogueProblems(catalogue)).toEqual([]);
  });

  it('holds every named response example of every operation, and no webhook', () => {
    expect(catalogue.cases.map((c) => c.slug).filter((s, i, all) => all.indexOf(s) === i)).toEqual(listApis().map((a) => a.slug));
    expect(catalogue.cases.filter((c) => !c.variant).every((c) => c.id === `${c.slug}/${c.operation.operationId}/${c.status}/${c.example.name}`)).toBe(true);
    expect(catalogue.cases.some((c) => c.operation.webhook)).toBe(false);
    // One case per named response example of the contract, plus the value cases of the API's trigger table.
    const byApi = (count: (slug: ApiSlug) => number) => Object.fromEntries(listApis().map(({ slug }) => [slug, count(slug as ApiSlug)]));
    expect(byApi((slug) => catalogue.cases.filter((c) => c.slug === slug).length)).toEqual(byApi((slug) =>
      collectExamples(slug, dereferencedBundle(slug)).filter((e) => e.kind === 'response' && !e.webhook).length + Object.keys(TRIGGERS[slug]).filter((k) => k.includes('#')).length));
    expect(catalogue.cases.filter((c) => c.variant).every((c) => c.id === `${c.slug}/${c.operation.operationId}/${c.status}/${c.example.name}#${c.variant}`)).toBe(true);
  });

  it('marks as mock-only exactly the 5xx responses, each with a reason', () => {
    const mockOnly = catalogue.cases.filter((c) => c.trigger && isMockOnly(c.trigger));
    expect(mockOnly.map((c) => c.status).every((s) => s.startsWith('5'))).toBe(true);
    expect(catalogue.cases.filter((c) => c.status.startsWith('5')).map((c) => c.id)).toEqual(mockOnly.map((c) => c.id));
    expect(mockOnly.every((c) => c.trigger && isMockOnly(c.trigger) && c.trigger.mockOnly.length > 10)).toBe(true);
  });
});
