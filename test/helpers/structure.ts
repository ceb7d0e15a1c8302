/**
 * Structure of the project's own code, read with the TypeScript compiler's parser: how long each function is,
 * and the graph of relative imports (for circles and for the layering cli/ → conformance/, sandbox/ → src/ →
 * generated/). `npx tsx test/helpers/structure.ts` prints the functions over the limit and the circles.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The project's own TypeScript (generated/ and dependencies left out), relative to the root. */
export function projectFiles(): string[] {
  return ts.sys.readDirectory(ROOT, ['.ts'], ['node_modules', 'dist', 'generated', 'build'], ['**/*'])
    .map((file) => path.relative(ROOT, file))
    .filter((file) => !file.startsWith('generated/') && !file.includes('node_modules/') && !file.endsWith('.d.ts'));
}

const parse = (file: string) => ts.createSourceFile(file, readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);

export interface FunctionSize {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function nameOf(node: ts.Node): string {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  if (ts.isCallExpression(parent)) return `callback of ${parent.expression.getText().slice(0, 40)}`;
  return '(anonymous)';
}

/** Every function (declarations, methods, arrows, callbacks) of `file` with its length in lines, braces included. */
export function functionSizes(file: string): FunctionSize[] {
  const source = parse(file);
  const sizes: FunctionSize[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      sizes.push({ file, line: start + 1, name: nameOf(node), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sizes;
}

/** The workspace packages' names to their sources: the `paths` of tsconfig.json (`orange-identity-client/auth/*`). */
const WORKSPACE_PATHS = Object.entries((JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { paths?: Record<string, string[]> } }).compilerOptions.paths ?? {})
  .sort(([a], [b]) => b.length - a.length);

/** The project file a specifier names: a relative one, or a workspace package's by its name; undefined otherwise. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return path.normalize(path.join(path.dirname(from), specifier)).replace(/\.js$/, '.ts');
  for (const [pattern, [target]] of WORKSPACE_PATHS) {
    const [head, tail = ''] = pattern.split('*');
    if (pattern.includes('*') ? specifier.startsWith(head!) && specifier.endsWith(tail) && specifier.length > head!.length : specifier === pattern) {
      const star = pattern.includes('*') ? specifier.slice(head!.length, specifier.length - tail.length) : '';
      return path.normalize(target!.replace('*', star));
    }
  }
  return undefined;
}

/** True for `import type ...`, `export type ...`, and an import whose every named binding is a type. */
function typeOnly(statement: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(statement)) {
    return statement.isTypeOnly || (!!statement.exportClause && ts.isNamedExports(statement.exportClause) && statement.exportClause.elements.every((e) => e.isTypeOnly));
  }
  const clause = statement.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return !clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The project files that `file` imports or re-exports, by a relative specifier or a workspace package's name:
 *  type-only imports and dynamic `import('…')` of a literal included (as madge or dependency-cruiser count them),
 *  unless `runtime`: then only what loading the file loads. */
export function relativeImports(file: string, options: { runtime?: boolean } = {}): string[] {
  const source = parse(file);
  const targets: string[] = [];
  const add = (specifier: ts.Expression | undefined) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const resolved = resolveSpecifier(file, specifier.text);
    if (resolved) targets.push(resolved);
  };
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    if (options.runtime && typeOnly(statement)) continue;
    add(statement.moduleSpecifier);
  }
  if (!options.runtime) {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return targets;
}

/** Each import circle once, as the list of files around it (Tarjan's strongly connected components). */
export function importCircles(files: readonly string[]): string[][] {
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, relativeImports(f).filter((t) => known.has(t))]));
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const connect = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) circles.push(component.sort());
    }
  };
  for (const f of files) if (!order.has(f)) connect(f);
  return circles;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const limit = Number(process.env.LIMIT ?? 120);
  const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => path.relative(ROOT, path.resolve(f))) : projectFiles();
  for (const f of files.flatMap(functionSizes).filter((s) => s.lines > limit).sort((a, b) => b.lines - a.lines)) {
    console.log(`${f.lines}\t${f.file}:${f.line}\t${f.name}`);
  }
  for (const circle of importCircles(projectFiles())) console.log(`circle: ${circle.join(' <-> ')}`);
}
