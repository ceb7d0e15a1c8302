/**
 * `orange-identity --help` and each command's `--help` load only what the help needs: the static import graph from
 * cli/main.ts (test/helpers/structure.ts) reaches no command's work (cli/run/, imported when a command runs), and
 * none of the heavy parts: the runner, the fuzzer, the proxy, the sandbox, the mock, the validators. The time it
 * takes: npm run bench:cli.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, relativeImports } from '../helpers/structure.js';

/** Every project file `entry` loads through static imports (dynamic `import()` is left out: it loads on demand). */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of relativeImports(file)) visit(target);
  };
  visit(entry);
  return seen;
}

const HEAVY = [/^cli\/run\//, /^conformance\/runner\.ts$/, /^conformance\/fuzz\/(?!types\.ts$)/, /^conformance\/proxy\//, /^sandbox\//, /^conformance\/mock\.ts$/, /^src\/contract\/validators\.ts$/, /^packages\/client\/src\/auth\/(oidc|keys|jwt-bearer)\.ts$/];

describe('the command line loads lazily', () => {
  it('reaches no command\'s work and none of the heavy modules from cli/main.ts', () => {
    const loaded = [...staticClosure('cli/main.ts')];
    expect(loaded).toContain('cli/conformance.ts');
    expect(loaded.filter((file) => HEAVY.some((re) => re.test(file)))).toEqual([]);
  });

  it('loads each command\'s work from cli/run/ when it runs', async () => {
    const { COMMANDS } = await import('../../cli/main.js');
    // Read in the command's source: the function's own text is the test runner's transform of it, not the module's.
    for (const command of COMMANDS) {
      expect(readFileSync(path.join(ROOT, `cli/${command.name}.ts`), 'utf8'), command.name).toMatch(new RegExp(`\\brun: \\([^)]*\\) => import\\('\\./run/${command.name}\\.js'\\)`));
    }
  });
});
