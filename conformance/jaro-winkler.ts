/**
 * The Jaro-Winkler similarity, kept in the suite apart from the sandbox's (which uses the `jaro-winkler`
 * package), so that the expected matchid scores do not come from the code under test. Hand-written from
 * Winkler's definition (W. E. Winkler, "String Comparator Metrics and Enhanced Decision Rules in the
 * Fellegi-Sunter Model of Record Linkage", 1990): matching window floor(max/2) - 1, half-transpositions,
 * prefix scale 0.1 over a common prefix of at most 4 characters, applied above a Jaro similarity of 0.7.
 *
 * Entry points: `jaro(a, b)`, `jaroWinkler(a, b)` (0 to 1), `matchScore(a, b)` (0 to 100, one decimal, as
 * the page's example `83.5`).
 */

export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  if (!a.length || !b.length) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = new Array<boolean>(a.length).fill(false);
  const bMatched = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - window); j <= Math.min(b.length - 1, i + window); j++) {
      if (!bMatched[j] && a[i] === b[j]) {
        aMatched[i] = bMatched[j] = true;
        matches++;
        break;
      }
    }
  }
  if (!matches) return 0;
  let outOfOrder = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[j]) j++;
    if (a[i] !== b[j++]) outOfOrder++;
  }
  const m = matches;
  return (m / a.length + m / b.length + (m - outOfOrder / 2) / m) / 3;
}

export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  if (j <= 0.7) return j;
  let prefix = 0;
  while (prefix < Math.min(4, a.length, b.length) && a[prefix] === b[prefix]) prefix++;
  return j + prefix * 0.1 * (1 - j);
}

/** The similarity as a matchid score: 0 to 100, one decimal. */
export const matchScore = (a: string, b: string): number => Math.round(jaroWinkler(a, b) * 1000) / 10;
