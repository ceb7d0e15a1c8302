/** The defaults and bounds that a command's help states and its run applies: here, so that a command's spec
 *  (cli/<command>.ts) and its work (cli/run/<command>.ts) both read them without importing each other. */
import { homedir } from 'node:os';
import path from 'node:path';

/** The port `npm start` and `orange-identity sandbox` listen on unless told otherwise. */
export const DEFAULT_PORT = 8080;
/** The URL of a sandbox started with `npm start`, as its banner prints it. */
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

/** `keys`' default folder: the user's configuration folder, outside any project. */
export const defaultKeysDir = (env: NodeJS.ProcessEnv = process.env) =>
  path.join(env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'orange-identity', 'keys');

/** `fuzz --max-examples` at most. */
export const MAX_EXAMPLES = 1000;
/** `fuzz` against a --target, unless --rate says otherwise: a shared environment is not flooded. */
export const DEFAULT_TARGET_RATE = 50;
/** Requests that `fuzz` spends shrinking one failure at most. */
export const SHRINK_BUDGET = 100;
