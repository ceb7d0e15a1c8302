/**
 * The shape of the project's own code, read with the TypeScript parser (test/helpers/structure.ts): no function
 * longer than a reader can hold, no import circle, and imports that only run down the layers.
 */
import { describe, expect, it } from 'vitest';
import { functionSizes, importCircles, projectFiles, relativeImports } from './helpers/structure.js';

const MAX_FUNCTION_LINES = 120;
const files = projectFiles();

/** The layers, lowest first; a file may import from its own layer and the ones below it. scripts/, bench/ and
 *  test/ sit above everything, and nothing imports them but themselves. */
const LAYERS = ['packages/client/', 'generated/', 'src/', 'sandbox/', 'conformance/', 'cli/', 'bin/'] as const;
const TOP = ['scripts/', 'bench/', 'test/'];
const layerOf = (file: string) => LAYERS.findIndex((prefix) => file.startsWith(prefix));

describe('the structure of the code', () => {
  it('reads every part of the project', () => {
    for (const part of [...LAYERS.filter((l) => l !== 'generated/' && l !== 'bin/'), ...TOP]) expect(files.some((f) => f.startsWith(part)), part).toBe(true);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap(functionSizes).filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });

  it('has no import circle, counting type-only and dynamic imports', () => {
    // The analysis sees what madge or dependency-cruiser see: a lazy command's import('./run/x.js') is an edge,
    // though loading the command's spec does not follow it.
    expect(relativeImports('cli/sandbox.ts')).toContain('cli/run/sandbox.ts');
    expect(relativeImports('cli/sandbox.ts', { runtime: true })).not.toContain('cli/run/sandbox.ts');
    expect(importCircles(files)).toEqual([]);
  });

  it('imports only down the layers: cli/ above conformance/, above sandbox/, above src/, above the client package', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const target of relativeImports(file)) {
        if (TOP.some((t) => target.startsWith(t)) && !TOP.some((t) => file.startsWith(t))) upward.push(`${file} -> ${target}`);
        const to = layerOf(target);
        if (from >= 0 && to > from) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
