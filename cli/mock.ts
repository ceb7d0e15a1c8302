/** `orange-identity mock`: the Prism mock of the five APIs on one port; its options here, its work in run/mock.ts. */
import type { Command } from './command.js';

export const mock: Command = {
  name: 'mock',
  summary: 'serve a Prism mock of the five APIs on one port, from the joined contract (generated/all.json)',
  options: {
    port: { type: 'string', value: '<port>', default: '4010', description: 'port to listen on (0 picks a free one)' },
    host: { type: 'string', value: '<host>', default: '127.0.0.1', description: 'address to listen on' },
    verbose: { type: 'boolean', description: "print Prism's own log lines on stderr" },
  },
  details: 'Prints its URL once ready; Ctrl-C (SIGINT) or SIGTERM stops it, also while it starts.',
  run: (values) => import('./run/mock.js').then((m) => m.run(values)),
};
