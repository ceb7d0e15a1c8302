/** `orange-identity conformance`: replay every documented response of the contract against a target. */
import path from 'node:path';
import { API_SLUGS } from '../src/contract/load.js';
import { MockUnavailableError, PortInUseError, startMock, type RunningMock } from '../conformance/mock.js';
import { shippedProfiles } from '../conformance/profile.js';
import { terminalText, textReport } from '../conformance/report/index.js';
import { ForeignTargetError, runConformance, type Progress } from '../conformance/runner.js';
import { ConfigError, UsageError, integerOption, type Command } from './command.js';
import { REPORT_FILES, apisOption, prepareReportPaths, profileOption, reachTarget, reportOptions, writeReports } from './options.js';

/**
 * Progress on stderr: on a terminal, one line rewritten in place (cases done of total, failures so far); otherwise
 * one plain line per case, so that CI logs show where a long run is.
 */
export function progressPrinter(stream: NodeJS.WriteStream): { update(p: Progress): void; end(): void } {
  let drawn = false;
  return {
    update(p) {
      const count = `${String(p.done).padStart(String(p.total).length)}/${p.total}`;
      if (stream.isTTY) {
        stream.write(`\r\x1b[K${count} cases, ${p.failed} failed  ${terminalText(p.result.name)}`.slice(0, (stream.columns || 100) - 1));
        drawn = true;
      } else {
        stream.write(`${count} ${p.result.outcome.padEnd(7)} ${terminalText(p.result.name)}\n`);
      }
    },
    end() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

export const conformance: Command = {
  name: 'conformance',
  summary: 'replay every documented response and error of the contract against a target and report what deviates',
  options: {
    target: { type: 'string', value: '<baseURL>', description: 'base URL of the deployment to check; without it, a Prism mock is started and checked' },
    profile: { type: 'string', value: '<name|file>', default: 'mock', description: `a shipped profile (${shippedProfiles().join(', ')}) or a profile file` },
    api: { type: 'string', value: '<slug>', multiple: true, description: `check only this API (${API_SLUGS.join(', ')})` },
    ...reportOptions('one test case per case'),
    quiet: { type: 'boolean', description: 'no progress on stderr (the report is still printed)' },
    concurrency: { type: 'string', value: '<n>', default: '4', description: 'cases in flight at once' },
  },
  details: 'Exit codes: 0 no case failed, 1 a case failed, 2 bad arguments or configuration (invalid profile, unreachable\ntarget, a target that does not serve these APIs, a mock that cannot start).',
  async run(values) {
    const apis = apisOption(values);
    const concurrency = integerOption(values, 'concurrency', 1, 64);
    const { profile, secrets, path: profilePath } = profileOption(values);
    prepareReportPaths(values, REPORT_FILES);
    let mock: RunningMock | undefined;
    try {
      let target = values.target as string | undefined;
      if (!target) {
        if (profile.kind !== 'mock') throw new UsageError(`profile ${profile.name} is for a live target: pass --target`);
        try {
          mock = await startMock();
        } catch (error) {
          if (error instanceof PortInUseError || error instanceof MockUnavailableError) throw new ConfigError(error.message);
          throw error;
        }
        target = mock.url;
        console.error(`started the Prism mock on ${target}`);
      }
      await reachTarget(target);
      let run;
      const progress = values.quiet ? undefined : progressPrinter(process.stderr);
      try {
        run = await runConformance({
          baseUrl: target, profile, secrets, apis, concurrency,
          profileLabel: `${profile.name} (${path.relative(process.cwd(), profilePath)})`,
          ...(progress ? { onProgress: progress.update } : {}),
        });
      } catch (error) {
        if (error instanceof ForeignTargetError) throw new ConfigError(error.message);
        throw error;
      } finally {
        progress?.end();
      }
      console.log(textReport(run));
      await writeReports(values, run);
      return run.entries.some((r) => r.outcome === 'failed') ? 1 : 0;
    } finally {
      await mock?.stop();
    }
  },
};
