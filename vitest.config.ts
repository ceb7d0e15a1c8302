import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * The workspace packages by name, to their sources: the `paths` of tsconfig.json, which tsc and tsx read too, so
 * that the clone runs with no build step (a package's `exports` name its built `dist/`).
 */
const paths = (JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const alias = Object.entries(paths)
  // The most specific pattern first, as tsc picks it.
  .sort(([a], [b]) => b.replace('*', '').length - a.replace('*', '').length)
  .map(([pattern, [target]]) => ({
    find: new RegExp(`^${escape(pattern).replace('\\*', '(.+)')}$`),
    replacement: path.join(root, target!).replace('*', '$1'),
  }));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['test/**/*.test.ts'],
    // Hang detectors, not budgets: the suite must pass on a machine three times slower, with other work beside it.
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
