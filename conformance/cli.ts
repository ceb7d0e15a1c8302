/**
 * `orange-identity conformance` and `orange-identity mock`.
 *
 * Exit codes of conformance: 0 when no case failed, 1 when one did, 2 on a configuration error (bad
 * arguments, invalid profile, unreachable target, mock that cannot start).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { untilStopped } from '../src/signals.js';
import { API_SLUGS, type ApiSlug } from '../src/contract/load.js';
import { MockUnavailableError, PortInUseError, startMock, type RunningMock } from './mock.js';
import { ProfileError, loadProfile, resolveProfilePath } from './profile.js';
import { junitReport, redactor, textReport } from './report.js';
import { runConformance } from './runner.js';

const CONFORMANCE_USAGE = `usage: orange-identity conformance [--target <baseURL>] [--profile <name|file>] [--api <slug>]... [--report <junit.xml>]

  --target    base URL of the deployment to check; without it, the Prism mock is started and checked
  --profile   a shipped profile (mock, sandbox) or a profile file; "mock" by default
  --api       check only these APIs (${API_SLUGS.join(', ')})
  --report    also write a JUnit XML report to this file
  --concurrency  cases in flight at once (4)`;

class UsageError extends Error {}
/** A configuration error that is not about the arguments (no usage text). */
class ConfigError extends Error {}

export async function conformanceCommand(args: string[]): Promise<number> {
  let mock: RunningMock | undefined;
  try {
    const { values } = parseArgs({
      args,
      options: {
        target: { type: 'string' }, profile: { type: 'string', default: 'mock' }, api: { type: 'string', multiple: true },
        report: { type: 'string' }, concurrency: { type: 'string', default: '4' }, help: { type: 'boolean' },
      },
    });
    if (values.help) {
      console.log(CONFORMANCE_USAGE);
      return 0;
    }
    const apis = values.api ?? [...API_SLUGS];
    const unknown = apis.filter((a) => !API_SLUGS.includes(a as ApiSlug));
    if (unknown.length) throw new UsageError(`unknown API ${unknown.join(', ')}; known: ${API_SLUGS.join(', ')}`);
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency takes a whole number from 1');

    const profilePath = resolveProfilePath(values.profile!);
    const { profile, secrets } = loadProfile(profilePath);
    let target = values.target;
    if (!target) {
      if (profile.kind !== 'mock') throw new UsageError(`profile ${profile.name} is for a live target: pass --target`);
      mock = await startMock();
      target = mock.url;
      console.error(`started the Prism mock on ${target}`);
    }
    try {
      await fetch(target, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new ConfigError(`cannot reach ${target}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
    }

    const start = performance.now();
    const results = await runConformance({ baseUrl: target, profile, apis: apis as ApiSlug[], concurrency });
    const ms = performance.now() - start;
    const redact = redactor(secrets);
    console.log(redact(textReport(results, { target, profile: `${profile.name} (${path.relative(process.cwd(), profilePath)})`, ms })));
    if (values.report) {
      await writeFile(values.report, redact(junitReport(results, { target })));
      console.error(`JUnit report: ${values.report}`);
    }
    return results.some((r) => r.outcome === 'failed') ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof ProfileError || error instanceof PortInUseError || error instanceof MockUnavailableError ||
        (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`error: ${(error as Error).message}`);
      if (error instanceof UsageError || (error as NodeJS.ErrnoException).code) console.error(CONFORMANCE_USAGE);
      return 2;
    }
    throw error;
  } finally {
    await mock?.stop();
  }
}

export async function mockCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '4010' }, host: { type: 'string', default: '127.0.0.1' }, verbose: { type: 'boolean', default: false } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('error: --port takes a port number');
    return 2;
  }
  let mock: RunningMock;
  try {
    mock = await startMock({ port, host: values.host!, ...(values.verbose ? { onLog: (line: string) => console.error(line) } : {}) });
  } catch (error) {
    if (error instanceof PortInUseError || error instanceof MockUnavailableError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  console.log(`Prism mock of the five Orange identity APIs listening on ${mock.url} (Ctrl-C to stop)`);
  await untilStopped();
  await mock.stop();
  console.log('mock stopped');
  return 0;
}
