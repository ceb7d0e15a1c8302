/** The work of `orange-identity mock` (cli/mock.ts holds its options), loaded when the command runs. */
import { MockUnavailableError, PortInUseError, startMock, type RunningMock } from '../../conformance/mock.js';
import { ConfigError, integerOption, type Values } from '../command.js';
import { listenForStop } from '../signals.js';

export async function run(values: Values): Promise<number> {
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
}
