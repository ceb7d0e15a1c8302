/**
 * `orange-identity <command>`: the toolkit's command line, one module per command in this folder. It sits
 * above everything: it imports the library (src/), the sandbox and the conformance suite; nothing imports it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import { ConfigError, UsageError, commandHelp, parseCommandArgs, type Command } from './command.js';
import { conformance } from './conformance.js';
import { fuzz } from './fuzz.js';
import { keys } from './keys.js';
import { mock } from './mock.js';
import { proxy } from './proxy.js';
import { sandbox } from './sandbox.js';
import { validate } from './validate.js';

export const COMMANDS: readonly Command[] = [conformance, fuzz, mock, sandbox, proxy, validate, keys];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: orange-identity <command> [options]',
    '',
    'Contract-first toolkit for five Orange identity APIs.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'orange-identity <command> --help (or orange-identity help <command>) says what a command takes.',
    'Exit codes: 0 success, 1 a check failed, 2 bad arguments or configuration.',
  ].join('\n');
}

const version = () => (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const find = (name: string) => COMMANDS.find((c) => c.name === name);

function unknownCommand(name: string): number {
  console.error(`error: unknown command '${name}'; commands: ${COMMANDS.map((c) => c.name).join(', ')} (orange-identity --help)`);
  return 2;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    console.error(usage());
    return 2;
  }
  if (name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  if (name === 'help') {
    if (args[0] === undefined) {
      console.log(usage());
      return 0;
    }
    const command = find(args[0]);
    if (!command) return unknownCommand(args[0]);
    console.log(commandHelp(command));
    return 0;
  }
  if (name.startsWith('-')) {
    console.error(`error: unknown option '${name}'; options go after the command (orange-identity --help)`);
    return 2;
  }
  const command = find(name);
  if (!command) return unknownCommand(name);
  try {
    const { values, positionals, help } = parseCommandArgs(command, args);
    if (help) {
      console.log(commandHelp(command));
      return 0;
    }
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message} (orange-identity ${command.name} --help)`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
