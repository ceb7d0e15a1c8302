import { describe, expect, it } from 'vitest';
import { catalogueProblems, loadCatalogue } from '../../conformance/catalogue.js';
import { isMockOnly } from '../../conformance/types.js';
import { listApis } from '../../scripts/lib/contract.js';

const catalogue = await loadCatalogue();

describe('the case catalogue', () => {
  it('has a trigger for every named response example, and an example for every trigger', () => {
    expect(catalogueProblems(catalogue)).toEqual([]);
  });

  it('holds every named response example of every operation, and no webhook', () => {
    expect(catalogue.cases.map((c) => c.slug).filter((s, i, all) => all.indexOf(s) === i)).toEqual(listApis().map((a) => a.slug));
    expect(catalogue.cases.every((c) => c.id === `${c.slug}/${c.operation.operationId}/${c.status}/${c.example.name}`)).toBe(true);
    expect(catalogue.cases.some((c) => c.operation.webhook)).toBe(false);
    const byApi = Object.fromEntries(listApis().map(({ slug }) => [slug, catalogue.cases.filter((c) => c.slug === slug).length]));
    // Direct Match: 24 token rows + the repeated parameter + 11 matchid rows + their successes + discovery + gateway 401s;
    // Authentication France: authorize by GET and by POST, the two token endpoints, userinfo by GET and POST, discovery
    expect(byApi).toEqual({ 'authentication-fr': 32, 'form-id-fr': 4, 'match-id-fr': 4, 'id-match-es': 6, 'direct-match-id-fr': 42 });
  });

  it('marks as mock-only exactly the 5xx responses, each with a reason', () => {
    const mockOnly = catalogue.cases.filter((c) => c.trigger && isMockOnly(c.trigger));
    expect(mockOnly.map((c) => c.status).every((s) => s.startsWith('5'))).toBe(true);
    expect(catalogue.cases.filter((c) => c.status.startsWith('5')).map((c) => c.id)).toEqual(mockOnly.map((c) => c.id));
    expect(mockOnly.every((c) => c.trigger && isMockOnly(c.trigger) && c.trigger.mockOnly.length > 10)).toBe(true);
  });
});
