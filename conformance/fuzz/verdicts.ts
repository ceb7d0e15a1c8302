/**
 * The run's report: one entry per operation × fuzz check (failed with its kept failures, passed when a request
 * exercised it, skipped with the reason otherwise), the operations outside --api included when a step failed
 * there. The reproducers' URLs are on the target as its user named it.
 */
import { OPERATIONS, type Operation } from '../../src/contract/operations.js';
import type { RecordedExchange } from '../report/index.js';
import type { FuzzSession } from './session.js';
import { FUZZ_CHECKS, type FuzzEntry, type Kept } from './types.js';

/** The origin of a target URL as written (`http://LOCALHOST:8080` stays so), without its path. */
const originAsWritten = (url: string) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0];

/** An exchange whose request URL is on `to` instead of the origin it was sent to. */
function rebased(exchange: RecordedExchange, from: string, to: string | undefined): RecordedExchange {
  if (!to || to === from) return exchange;
  const url = exchange.request.url;
  return url.startsWith(from) ? { ...exchange, request: { ...exchange.request, url: `${to}${url.slice(from.length)}` } } : exchange;
}

export function verdicts(session: FuzzSession, selected: readonly Operation[], stopped?: string): FuzzEntry[] {
  const kept = [...session.kept.values()];
  const { baseUrl, reproduceAt } = session.options;
  const sentTo = new URL(baseUrl).origin;
  const shownAt = originAsWritten(reproduceAt ?? baseUrl);
  const entries: FuzzEntry[] = [];
  const reported = [...selected, ...OPERATIONS.filter((o) => !selected.includes(o) && kept.some((k) => k.operationId === o.operationId))];
  for (const op of reported) {
    for (const check of FUZZ_CHECKS) {
      const mine: Kept[] = kept.filter((k) => k.operationId === op.operationId && k.check === check);
      const ran = session.exercised.get(op.operationId)?.has(check) || mine.length > 0;
      const reason = session.skipped.get(`${op.operationId} ${check}`) ?? (stopped ? `the run was stopped (${stopped}) before it reached it` : 'no request of the run reached it');
      entries.push({
        suite: op.slug, group: op.operationId, name: `${op.operationId} ${check}`, operationId: op.operationId, check,
        outcome: mine.length ? 'failed' : ran ? 'passed' : 'skipped', ...(ran ? {} : { reason }),
        failures: mine.map((k) => k.failure), ms: mine.reduce((sum, k) => sum + (k.exchange.ms ?? 0), 0),
        exchanges: mine.map((k) => rebased(k.exchange, sentTo, shownAt)),
      });
    }
  }
  return entries;
}
