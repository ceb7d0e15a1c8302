/** `orange-identity sandbox` (also `npm start`): the stateful reference sandbox of the five APIs. */
import { DEFAULT_FIXTURE, FixtureError } from '../sandbox/fixture.js';
import { createSandbox } from '../sandbox/server.js';
import { ConfigError, UsageError, type Command } from './command.js';
import { untilStopped } from './signals.js';

/** The port `npm start` and `orange-identity sandbox` listen on unless told otherwise. */
export const DEFAULT_PORT = 8080;
/** The URL of a sandbox started with `npm start`, as its banner prints it. */
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

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
  async run(values) {
    const rawPort = (values.port as string | undefined) ?? process.env.PORT ?? String(DEFAULT_PORT);
    const port = Number(rawPort);
    if (rawPort.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port '${rawPort}'`);
    const fixturePath = (values.fixture as string | undefined) ?? DEFAULT_FIXTURE;
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
    await untilStopped();
    await running.close();
    console.log('sandbox stopped');
    return 0;
  },
};
