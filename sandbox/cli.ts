/** `orange-identity sandbox [--port 8080] [--host 127.0.0.1] [--fixture <file>]` (also `npm start`). */
import { parseArgs } from 'node:util';
import { untilStopped } from '../src/signals.js';
import { DEFAULT_FIXTURE, FixtureError, loadFixture } from './fixture.js';
import { createSandbox } from './server.js';

const SANDBOX_USAGE = `usage: orange-identity sandbox [--port <port>] [--host <host>] [--fixture <file.yaml|json>]

  --port     8080 by default, or the PORT environment variable
  --host     127.0.0.1 by default
  --fixture  subscribers and clients (schema: sandbox/fixture.schema.json); the default fixture otherwise`;

export async function sandboxCommand(args: string[]): Promise<number> {
  let values: { port?: string; host?: string; fixture?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, fixture: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${SANDBOX_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(SANDBOX_USAGE);
    return 0;
  }
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`error: invalid port ${values.port ?? process.env.PORT}`);
    return 2;
  }
  const fixturePath = values.fixture ?? DEFAULT_FIXTURE;
  let sandbox;
  try {
    sandbox = await createSandbox({ fixture: loadFixture(fixturePath) });
  } catch (error) {
    if (error instanceof FixtureError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  let url: string;
  try {
    url = await sandbox.listen(port, values.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(code === 'EADDRINUSE' ? `error: port ${port} on ${values.host} is already in use: stop what listens there, or choose another port with --port or PORT` : `error: ${(error as Error).message}`);
    return 2;
  }
  console.log(`Orange identity sandbox listening on ${url} (fixture ${fixturePath}; Ctrl-C to stop)`);
  await untilStopped();
  await sandbox.close();
  console.log('sandbox stopped');
  return 0;
}
