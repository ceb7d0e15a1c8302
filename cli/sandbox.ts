/** `orange-identity sandbox` (also `npm start`): the stateful reference sandbox of the five APIs; its options here, its
 *  work in run/sandbox.ts, loaded when it runs. */
import type { Command } from './command.js';
import { DEFAULT_PORT } from './defaults.js';

export const sandbox: Command = {
  name: 'sandbox',
  summary: 'run the stateful reference sandbox of the five APIs (login and consent page, tokens, scores, admin API)',
  options: {
    port: { type: 'string', value: '<port>', description: `port to listen on (default: PORT, or ${DEFAULT_PORT}; 0 picks a free one)` },
    host: { type: 'string', value: '<host>', default: '127.0.0.1', description: 'address to listen on' },
    fixture: { type: 'string', value: '<file>', description: 'subscribers and clients, YAML or JSON (schema: sandbox/fixture.schema.json); the default fixture otherwise' },
    'admin-host': { type: 'string', value: '<name>', multiple: true, description: 'a Host name the admin API answers besides localhost, 127.0.0.1 and [::1] (a container\'s service name)' },
  },
  details: 'Prints its URL once listening; Ctrl-C (SIGINT) or SIGTERM stops it.',
  run: (values) => import('./run/sandbox.js').then((m) => m.run(values)),
};
