/**
 * What every command of `orange-identity` is: a name, a one-line summary, its options (each with a description,
 * so that `--help` is written from the same table that parses), and `run`. Argument parsing is node:util's
 * parseArgs in strict mode; its errors become `UsageError`s, which the dispatcher turns into exit code 2.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  default?: string;
  /** The value's placeholder in the help (`<baseURL>`). */
  value?: string;
  description: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  /** One line: what the command does. */
  summary: string;
  /** Positional arguments, for the usage line (`<traffic.har>`). */
  positionals?: string;
  options: Record<string, OptionSpec>;
  /** More to say after the options (exit codes, environment variables...). */
  details?: string;
  run(values: Values, positionals: string[]): Promise<number>;
}

/** Bad arguments: the message, then a pointer to the command's help; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A configuration that cannot work (unreadable profile, unreachable target, taken port): the message; exit 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const optionLabel = (name: string, spec: OptionSpec) =>
  `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}`;

/** `usage: orange-identity <name> [options] ...`, the summary, one line per option, then the details. */
export function commandHelp(command: Command): string {
  const options = { ...command.options, help: { type: 'boolean', short: 'h', description: 'show this help' } as OptionSpec };
  const labels = Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), spec] as const);
  const width = Math.max(...labels.map(([label]) => label.length));
  const lines = [
    `usage: orange-identity ${command.name} [options]${command.positionals ? ` ${command.positionals}` : ''}`,
    '',
    command.summary,
    '',
    'options:',
    ...labels.map(([label, spec]) => `  ${label.padEnd(width)}  ${spec.description}${spec.default !== undefined ? ` (default: ${spec.default})` : ''}${spec.multiple ? ' (repeatable)' : ''}`),
  ];
  if (command.details) lines.push('', command.details);
  return lines.join('\n');
}

/** Parses `args` against the command's options; unknown options and missing values are `UsageError`s. */
export function parseCommandArgs(command: Command, args: string[]): { values: Values; positionals: string[]; help: boolean } {
  const options = Object.fromEntries(Object.entries(command.options).map(([name, spec]) => [name, {
    type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}),
    ...(spec.default !== undefined ? { default: spec.default } : {}),
  }]));
  try {
    const { values, positionals } = parseArgs({
      args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: command.positionals !== undefined, strict: true,
    });
    const { help, ...rest } = values as Values;
    return { values: rest, positionals, help: help === true };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, '');
    throw new UsageError(message);
  }
}

/** A whole number within bounds, from an option value, or a UsageError naming the option. */
export function integerOption(values: Values, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} takes a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, not '${raw}'`);
  }
  return n;
}
