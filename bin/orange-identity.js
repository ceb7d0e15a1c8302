#!/usr/bin/env node
// The `orange-identity` command. In a clone (cli/main.ts beside this folder) it runs the TypeScript sources
// through tsx, so that nothing has to be built first and nothing stale runs (tsx reads the repository's tsconfig.json,
// whose `paths` lead the workspace packages' names to their sources, whatever the working directory); in the
// installed package it runs the compiled dist/cli/main.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error('error: this is a clone of orange-identity-contracts without its dev dependencies: run npm ci');
    process.exit(2);
  }
  tsx.register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
// The command is done and has let go of its stop listeners, but node may still be draining (a socket closing).
// A signal now (npm forwarding the Ctrl-C the terminal already delivered, a supervisor's late SIGTERM) must not
// kill it by default, which would turn the command's exit code into a death by signal: it ends the process with
// the command's own code.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit());
