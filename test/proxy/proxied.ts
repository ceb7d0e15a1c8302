/**
 * The validating proxy as the tests run it: in front of an upstream, recording a HAR in a fresh folder,
 * collecting every verdict as it is judged; and `validate`'s verdicts on that HAR, offline.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Har } from 'har-format';
import { startValidatingProxy, validateHar, type ExchangeVerdict, type ProxyRun, type ValidatingProxyOptions } from '../../conformance/proxy/index.js';

export interface ProxiedRun extends Omit<ProxyRun, 'har'> {
  verdicts: ExchangeVerdict[];
  har: Har;
  harFile: string;
  /** What the proxy said of its HAR. */
  recorded: ProxyRun['har'];
}

/** A proxy in front of `upstream` with its HAR in a fresh folder; `stop` resolves to the run, its verdicts and HAR. */
export async function proxied(upstream: { url: string }, options: Partial<ValidatingProxyOptions> = {}) {
  const harFile = path.join(await mkdtemp(path.join(tmpdir(), 'proxied-')), 'traffic.har');
  const verdicts: ExchangeVerdict[] = [];
  const proxy = await startValidatingProxy({ upstream: upstream.url, har: harFile, onVerdict: (v) => verdicts.push(v), ...options });
  return {
    url: proxy.url,
    proxy,
    verdicts,
    harFile,
    async stop(): Promise<ProxiedRun> {
      const run = await proxy.stop();
      return { ...run, recorded: run.har, verdicts, har: JSON.parse(await readFile(harFile, 'utf8')) as Har, harFile };
    },
  };
}

/** `validate`'s verdicts on a HAR file, and its run. */
export async function validated(harFile: string, options: Parameters<typeof validateHar>[1] = {}) {
  const verdicts: ExchangeVerdict[] = [];
  const run = await validateHar(harFile, { ...options, onVerdict: (v) => verdicts.push(v) });
  return { ...run, verdicts };
}

/** What must be equal between a live verdict and its offline replay. */
export const verdictOf = (v: ExchangeVerdict) => ({
  name: v.name, group: v.group, outcome: v.outcome, reason: v.reason, status: v.status,
  failures: v.failures.map((f) => [f.check, f.at, f.step]), notes: (v.notes ?? []).map((f) => [f.check, f.at, f.step]),
});

/**
 * Offline verdicts (on the redacted HAR) against live ones (on raw values), exchange by exchange, as `verdictOf`
 * gives them. The only difference allowed is what redaction hides: a request `schema` finding the live judge
 * made on a body whose recorded value is a placeholder (its shape cannot be judged offline). Returns the
 * exchanges that differ otherwise, and how many differed so.
 */
export function compareVerdicts(offline: readonly ExchangeVerdict[], live: readonly ExchangeVerdict[], har: Har) {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const mismatches: { offline: unknown; live: unknown }[] = [];
  let hidden = 0;
  if (offline.length !== live.length) mismatches.push({ offline: offline.length, live: live.length });
  live.forEach((l, i) => {
    const o = offline[i];
    if (o && same(verdictOf(o), verdictOf(l))) return;
    const keep = (f: { check: string; step?: string }) => !(f.check === 'schema' && f.step === 'request');
    const redactedBody = /REDACTED-\d+/.test(har.log.entries[l.seq - 1]?.request.postData?.text ?? '');
    if (o && redactedBody && same(verdictOf(o), verdictOf({ ...l, failures: l.failures.filter(keep), notes: (l.notes ?? []).filter(keep) }))) hidden++;
    else mismatches.push({ offline: o && verdictOf(o), live: verdictOf(l) });
  });
  return { mismatches, hidden };
}

/** The exchanges that violated the contract. */
export const violations = (verdicts: readonly ExchangeVerdict[]) => verdicts.filter((v) => v.outcome === 'failed');
