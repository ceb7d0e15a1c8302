import { describe, expect, it } from 'vitest';
import { casePattern, catalogueProblems, loadCatalogue, runOrder, selectCases } from '../../conformance/catalogue.js';
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

describe('dependencies between cases', () => {
  const byId = new Map(catalogue.cases.map((c) => [c.id, c]));
  const PRECONDITIONS = [
    'authentication-fr/exchangeAuthorizationCode/400/InvalidGrant#client-credentials',
    'authentication-fr/exchangeAuthorizationCode/200/Tokens#end-user-session',
    'direct-match-id-fr/requestJwtBearerToken/200/AccessToken#profile-key',
  ];

  it('name the preconditions, each saying what it establishes, and only cases of the catalogue', () => {
    const named = [...new Set(catalogue.cases.flatMap((c) => c.dependsOn))].sort();
    expect(named).toEqual([...PRECONDITIONS].sort());
    for (const id of PRECONDITIONS) {
      const trigger = byId.get(id)!.trigger;
      expect(trigger && !isMockOnly(trigger) && trigger.precondition, id).toMatch(/.{40,}/);
    }
    // The end-user's code flow needs the client credentials first.
    expect(byId.get(PRECONDITIONS[1]!)!.dependsOn).toEqual([PRECONDITIONS[0]]);
  });

  it('order a run so that every case starts after the cases it needs, the preconditions first', () => {
    const order = runOrder(catalogue.cases);
    expect(order).toHaveLength(catalogue.cases.length);
    const at = new Map(order.map((c, i) => [c.id, i]));
    for (const c of order) for (const dep of c.dependsOn) expect(at.get(dep)!, `${c.id} after ${dep}`).toBeLessThan(at.get(c.id)!);
    expect(order.slice(0, 3).map((c) => c.id).sort()).toEqual([...PRECONDITIONS].sort());
  });

  it('are defects when they name no case or go round in a circle', () => {
    const [a, b] = catalogue.cases;
    const broken = { cases: [{ ...a!, dependsOn: [b!.id] }, { ...b!, dependsOn: [a!.id, `${a!.slug}/noSuchOperation/200/Nothing`] }], orphanTriggers: [] };
    expect(catalogueProblems(broken)).toEqual([
      `case ${b!.id} runs after ${a!.slug}/noSuchOperation/200/Nothing, which is no case`,
      `the cases ${a!.id} -> ${b!.id} -> ${a!.id} depend on each other`,
    ]);
  });

  it('select cases by a regular expression on their ids, and refuse a pattern that is none', () => {
    const picked = selectCases(catalogue.cases, casePattern('getFormFillingUserInfo/(200|401)'));
    expect(picked.map((c) => c.id)).toEqual(['form-id-fr/getFormFillingUserInfo/200/FormFillingClaims', 'form-id-fr/getFormFillingUserInfo/401/InvalidToken']);
    expect(() => casePattern('(')).toThrow(/--grep takes a regular expression/);
  });
});
