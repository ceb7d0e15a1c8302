import fc from 'fast-check';
import packageJaroWinkler from 'jaro-winkler';
import { describe, expect, it } from 'vitest';
import { jaro, jaroWinkler, matchScore } from '../../conformance/jaro-winkler.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

describe("the suite's Jaro-Winkler", () => {
  it("gives Winkler's published figures", () => {
    // Winkler (1990), as reproduced in the literature: Jaro, then Jaro-Winkler.
    expect([round3(jaro('MARTHA', 'MARHTA')), round3(jaroWinkler('MARTHA', 'MARHTA'))]).toEqual([0.944, 0.961]);
    expect([round3(jaro('DWAYNE', 'DUANE')), round3(jaroWinkler('DWAYNE', 'DUANE'))]).toEqual([0.822, 0.84]);
    expect([round3(jaro('DIXON', 'DICKSONX')), round3(jaroWinkler('DIXON', 'DICKSONX'))]).toEqual([0.767, 0.813]);
    expect(jaroWinkler('JELLYFISH', 'SMELLYFISH')).toBeCloseTo(0.896, 3);
  });

  it('is 1 for equal strings, 0 with nothing in common or an empty side, and symmetric', () => {
    expect(jaroWinkler('Dumontel', 'Dumontel')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', 'abc')).toBe(0);
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => Math.abs(jaroWinkler(a, b) - jaroWinkler(b, a)) < 1e-12));
  });

  it('agrees with the package the sandbox uses, on any pair of non-empty strings', () => {
    // (The package says 0 for two empty strings; no attribute is scored when it is empty.)
    const text = fc.string({ minLength: 1, maxLength: 24, unit: fc.constantFrom(...'abcdeABCDE -éè.@1'.split('')) });
    fc.assert(fc.property(fc.oneof(text, fc.string({ minLength: 1, maxLength: 24 })), text, (a, b) => {
      expect(jaroWinkler(a, b)).toBeCloseTo(packageJaroWinkler(a, b), 10);
    }), { numRuns: 2000 });
  });

  it('scores from 0 to 100 with one decimal, as the page shows', () => {
    expect(matchScore('MARTHA', 'MARHTA')).toBe(96.1);
    expect(matchScore('75018', '75019')).toBe(92);
  });
});
