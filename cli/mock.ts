/** `orange-identity mock`: the Prism mock of the five APIs on one port. */
import { MockUnavailableError, PortInUseError, startMock, type RunningMock } from '../conformance/mock.js';
import { ConfigError, integerOption, type Command } from './command.js';
import { listenForStop } from './signals.js';

export const mock: Command = {
  name: 'mock',
  summary: 'serve a Prism mock of the five APIs on one port, from the joined contract (generated/all.json)',
  options: {
    port: { type: 'string', value: '<port>', default: '4010', description: 'port to listen on (0 picks a free one)' },
    host: { type: 'string', value: '<host>', default: '127.0.0.1', description: 'address to listen on' },
    verbose: { type: 'boolean', description: "print Prism's own log lines on stderr" },
  },
  details: 'Prints its URL once ready; Ctrl-C (SIGINT) or SIGTERM stops it, also while it starts.',
  async run(values) {
    const port = integerOption(values, 'port', 0, 65535);
    let running: RunningMock | undefined;
    // Listening from the start: a stop while Prism loads stops Prism too; a deliberate second one kills it.
    const stop = listenForStop({ onForce: () => { running?.kill(); process.exit(130); } });
    const controller = new AbortController();
    void stop.requested.then((signal) => controller.abort(new Error(signal)));
    try {
      try {
        running = await startMock({ port, host: values.host as string, signal: controller.signal, ...(values.verbose ? { onLog: (line: string) => console.error(line) } : {}) });
      } catch (error) {
        if (controller.signal.aborted) return 0;
        if (error instanceof PortInUseError || error instanceof MockUnavailableError) throw new ConfigError(error.message);
        throw error;
      }
      console.log(`Prism mock of the five Orange identity APIs listening on ${running.url} (Ctrl-C to stop)`);
      await stop.requested;
      await running.stop();
      console.log('mock stopped');
      return 0;
    } finally {
      stop.dispose();
    }
  },
};
