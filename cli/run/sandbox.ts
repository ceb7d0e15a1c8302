/** The work of `orange-identity sandbox` (cli/sandbox.ts holds its options), loaded when the command runs. */
import { DEFAULT_FIXTURE, FixtureError } from '../../sandbox/fixture.js';
import { createSandbox } from '../../sandbox/server.js';
import { ConfigError, UsageError, type Values } from '../command.js';
import { DEFAULT_PORT } from '../defaults.js';
import { listenForStop } from '../signals.js';

export async function run(values: Values): Promise<number> {
  const rawPort = (values.port as string | undefined) ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(rawPort);
  if (rawPort.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port '${rawPort}'`);
  const fixturePath = (values.fixture as string | undefined) ?? DEFAULT_FIXTURE;
  // Listening for a stop from the start, not from the ready line on: a supervisor may signal as soon as it reads
  // that line, and a signal that finds no listener kills node outright (no close, no exit code of ours).
  const stop = listenForStop();
  try {
    let running;
    try {
      running = createSandbox({ fixture: fixturePath, adminHosts: (values['admin-host'] as string[] | undefined) ?? [] });
    } catch (error) {
      if (error instanceof FixtureError) throw new ConfigError(error.message);
      throw error;
    }
    const host = values.host as string;
    let url: string;
    try {
      url = await running.listen(port, host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use: stop what listens there, or choose another port with --port or PORT`
        : (error as Error).message);
    }
    console.log(`Orange identity sandbox listening on ${url} (fixture ${fixturePath}; Ctrl-C to stop)`);
    await stop.requested;
    await running.close();
    console.log('sandbox stopped');
    return 0;
  } finally {
    stop.dispose();
  }
}
