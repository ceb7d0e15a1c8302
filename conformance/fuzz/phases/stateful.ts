/**
 * The stateful phase: sequences that follow the contract's OpenAPI links (links.ts) with generated data
 * (authorize → code exchange → userinfo and refresh → userinfo; JWT bearer token → matchid). Then what a link
 * says is single use is replayed at once and at the end of the run, what expires is replayed after the target's
 * clock moved past it, and what the end-user revoked is replayed after the revocation and again after a new
 * consent: each must be refused (use_after_free). Steps of a chain may be operations outside --api: they are sent
 * (and checked) to reach the selected ones. Stateful sequences are not shrunk.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { OPERATIONS, operation as operationEntry, type Operation, type OperationId } from '../../../src/contract/operations.js';
import { isRefusal } from '../../flow.js';
import type { Exchange, HttpRequest } from '../../http.js';
import { linkedValues, linksFrom, LINKS, type Link } from '../links.js';
import { PLANS } from '../plans.js';
import type { RequestValue } from '../request.js';
import { StepError } from '../types.js';
import type { PhaseParts } from './parts.js';

interface Linked { link: Link; request: HttpRequest; expiresIn?: number }

/** The chains of the run and what they left to replay. */
interface Chains extends PhaseParts {
  selected: readonly Operation[];
  /** Operations whose plan the profile serves. */
  ready: Set<OperationId>;
  singleUse: Linked[];
  expiring: Linked[];
  samples: Map<OperationId, RequestValue[]>;
}

const targets = new Set(LINKS.map((l) => l.to));
const reaches = (from: OperationId, seen = new Set<OperationId>()): OperationId[] =>
  seen.has(from) ? [] : (seen.add(from), [from, ...LINKS.filter((l) => l.from === from).flatMap((l) => reaches(l.to, seen))]);

/** The i-th generated value of an operation's stateful arbitrary (a seed of its own per operation). */
function sampleOf(run: Chains, op: OperationId, i: number): RequestValue {
  const { seed, maxExamples } = run.session.options;
  let list = run.samples.get(op);
  if (!list) run.samples.set(op, (list = fc.sample(run.setup(operationEntry(op), true).arbitrary, { seed: seed + OPERATIONS.findIndex((o) => o.operationId === op) * 7919, numRuns: maxExamples })));
  return list[i % list.length]!;
}

const replay = (run: Chains, entry: Linked, label: string, what: string) =>
  run.session.sendAndJudge(entry.link.to, entry.request, { kind: 'refuse', check: 'use_after_free', what }, label);

const isSelected = (run: Chains, id: OperationId) => run.selected.some((o) => o.operationId === id);

/** Follows every link of a response that leads to a selected operation, depth first, recording what it sent. */
async function follow(run: Chains, from: OperationId, exchange: Exchange, chain: OperationId[], i: number, verifier: string | undefined, label: () => string, linked: Linked[]): Promise<void> {
  for (const link of linksFrom(from, exchange.response.status)) {
    if (chain.includes(link.to) || !run.ready.has(link.to) || !reaches(link.to).some((id) => isSelected(run, id))) continue;
    const values = linkedValues(link, exchange);
    if (values.incomplete) continue;
    const t = run.setup(operationEntry(link.to), true);
    const members: Record<string, unknown> = { ...values.members };
    if (link.to === 'exchangeAuthorizationCode') members['body/code_verifier'] = verifier;
    const request = await run.build(t, sampleOf(run, link.to, i), { members, headers: values.headers });
    const outcome = await run.session.sendAndJudge(link.to, request, { kind: 'accept' }, `${label()}: ${link.name}`);
    const entry: Linked = { link, request, ...(values.expiresIn !== undefined ? { expiresIn: values.expiresIn } : {}) };
    linked.push(entry);
    if (!outcome.exchange?.response || isRefusal(outcome.exchange.response)) continue;
    if (link.singleUse.length) run.singleUse.push(entry);
    if (entry.expiresIn !== undefined) run.expiring.push(entry);
    await follow(run, link.to, outcome.exchange as Exchange, [...chain, link.to], i, verifier, label, linked);
  }
}

/** One sequence from `root`: its first request, every link followed, then each single-use value used again. */
async function sequence(run: Chains, root: Operation, i: number, cookie?: string, name = `stateful sequence ${i + 1}`): Promise<Linked[]> {
  const linked: Linked[] = [];
  const s = run.setup(root, true);
  let value = sampleOf(run, root.operationId, i);
  let verifier: string | undefined;
  const at = value.query ? 'query' : 'body';
  const params = value[at] as Record<string, unknown> | undefined;
  if (typeof params?.code_challenge === 'string') {
    // RFC 7636 section 4.2: the challenge of a verifier the exchange then sends.
    verifier = createHash('sha256').update(`verifier:${params.code_challenge}`).digest('base64url');
    value = { ...value, [at]: { ...params, code_challenge: createHash('sha256').update(verifier).digest('base64url') } };
  }
  let n = 0;
  const label = () => `${name}, request ${++n}`;
  try {
    const first = await run.session.sendAndJudge(root.operationId, await run.build(s, value, cookie ? { headers: { Cookie: cookie } } : {}), { kind: 'accept' }, `${label()}: ${root.operationId}`);
    if (first.exchange?.response && !isRefusal(first.exchange.response)) await follow(run, root.operationId, first.exchange as Exchange, [root.operationId], i, verifier, label, linked);
    for (const entry of linked.filter((l) => l.link.singleUse.length)) {
      await replay(run, entry, `${label()}: ${entry.link.name} again`, `the same ${entry.link.singleUse.join(', ')} again (${entry.link.name}: single use)`);
    }
  } catch (e) {
    if (!(e instanceof StepError)) throw e;
  }
  return linked;
}

/** Expiry: the target's clock moves past the longest lifetime a link gave; every expiring request is refused. */
async function expiry(run: Chains): Promise<void> {
  const { session, expiring } = run;
  const control = session.options.control;
  const longest = Math.max(0, ...expiring.map((e) => e.expiresIn!));
  if (expiring.length && (await control?.advanceClock?.(longest + 1))) {
    try {
      for (const entry of expiring.slice(0, session.options.maxExamples * 4)) {
        await replay(run, entry, `after the clock moved ${longest + 1} s: ${entry.link.name} again`, `an access token ${longest + 1} s after it was issued, past its expires_in of ${entry.expiresIn} s (${entry.link.name})`);
      }
    } finally {
      await control!.advanceClock!(-(longest + 1));
    }
  } else if (expiring.length) {
    const reason = 'the target has no clock to move (the sandbox admin API): expiry is not checked';
    session.notes.push(`${[...new Set(expiring.map((e) => e.link.to))].join(', ')}: ${reason}`);
    for (const e of expiring) session.skip(e.link.to, 'use_after_free', reason);
  }
}

/** Revocation: a subscriber of its own (so that the profile's tokens keep working) consents, revokes, consents again. */
async function revocation(run: Chains, authorize: Operation | undefined): Promise<void> {
  const { session } = run;
  const control = session.options.control;
  const subscriber = session.profile.fuzz?.revocableSubscriber;
  const cookie = subscriber && authorize ? await control?.openSession?.(subscriber) : undefined;
  if (cookie && authorize) {
    session.redactor.add(cookie);
    session.otherSession = true;
    const before = (await sequence(run, authorize, 0, cookie, 'revocation sequence')).filter((l) => !l.link.singleUse.length);
    if (before.length && (await control!.revokeConsent!(subscriber!))) {
      for (const entry of before) await replay(run, entry, `after the consent was revoked: ${entry.link.name} again`, `a token whose consent was revoked (${entry.link.name})`);
      await sequence(run, authorize, 1, cookie, 'new consent sequence');
      for (const entry of before) await replay(run, entry, `after a new consent: ${entry.link.name} with the revoked token`, `a token whose consent was revoked, after the end-user consented again (${entry.link.name})`);
    }
    session.otherSession = false;
  } else if (authorize) {
    const reason = subscriber ? 'the target cannot open sessions and revoke consent (the sandbox admin API): revocation is not checked' : 'the profile names no fuzz.revocableSubscriber: revocation is not checked';
    const revocable = LINKS.filter((l) => l.from !== 'authorize' && reaches('authorize').includes(l.to)).map((l) => l.to);
    session.notes.push(`${[...new Set(revocable)].join(', ')}: ${reason}`);
    for (const op of revocable) session.skip(op, 'use_after_free', reason);
  }
}

export async function statefulPhase(parts: PhaseParts, selected: readonly Operation[]): Promise<void> {
  const { session } = parts;
  session.phase = 'stateful';
  const ready = new Set(OPERATIONS.filter((o) => !PLANS[o.operationId].requires?.(session.profile)).map((o) => o.operationId));
  const run: Chains = { ...parts, selected, ready, singleUse: [], expiring: [], samples: new Map() };
  const roots = OPERATIONS.filter((o) => ready.has(o.operationId) && LINKS.some((l) => l.from === o.operationId) && !targets.has(o.operationId));
  const chains = roots.filter((root) => reaches(root.operationId).some((id) => isSelected(run, id)));
  for (let i = 0; i < session.options.maxExamples; i++) for (const root of chains) await sequence(run, root, i);
  await expiry(run);
  await revocation(run, chains.find((o) => o.operationId === 'authorize'));
  // What was refused stays refused at the end of the run.
  for (const entry of run.singleUse.slice(0, 3)) await replay(run, entry, `at the end of the run: ${entry.link.name} again`, `the same ${entry.link.singleUse.join(', ')} at the end of the run (${entry.link.name}: single use)`);
  for (const op of selected) if (!session.exercised.get(op.operationId)?.has('use_after_free')) session.skip(op.operationId, 'use_after_free', 'no link of the contract gives this operation a single-use or expiring value');
}
