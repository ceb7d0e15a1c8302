/**
 * The negative phase: one constraint broken at a time on an otherwise valid request (schema.ts `violations`, a
 * body that is not JSON, a body of another media type), one of each first on the minimal request, the members'
 * presence first. Each must be refused (negative_data_rejection). A mutation that the request checks do not see
 * as invalid is discarded, never counted.
 */
import fc from 'fast-check';
import type { OperationId } from '../../../src/contract/operations.js';
import { wireRequest } from '../../http.js';
import { checkRequest } from '../../operation-checks.js';
import type { Setup } from '../builder.js';
import { explore } from '../explore.js';
import type { RequestExtras, RequestValue } from '../request.js';
import { violations, type Violation } from '../schema.js';
import type { PhaseParts } from './parts.js';

interface Broken { violation?: Violation; extras?: RequestExtras; what: string }

const pathText = (v: Violation) => v.path.join('/') || 'the request';

function violationText(v: Violation): string {
  if (v.keyword === 'required') return `${pathText(v)} missing (required)`;
  if (v.keyword === 'additionalProperties') return `an undocumented member ${pathText(v)} (additionalProperties: false)`;
  return `${pathText(v)} breaking ${v.keyword}`;
}

/** The order the first negative examples take: members missing, then bodies of another kind, then members' types, then values. */
const RANK = ['required', 'content-type', 'malformed', 'additionalProperties', 'type', 'const', 'enum', 'pattern', 'format'];
const rank = (b: Broken) => {
  const keyword = b.violation?.keyword ?? (b.extras?.rawBody !== undefined ? 'malformed' : 'content-type');
  const at = RANK.indexOf(keyword);
  return at < 0 ? RANK.length : at;
};

/** A violation of the request itself: not of its root, nor the query or headers as a whole (each parameter apart). */
const requestViolation = (a: fc.Arbitrary<Violation>) => {
  const [sample] = fc.sample(a, { seed: 0, numRuns: 1 });
  return sample!.path.length > 1 || sample!.path[0] === 'body';
};

/** Every way the phase breaks a request of this setup. */
function brokenRequests(s: Setup): fc.Arbitrary<Broken>[] {
  const broken: fc.Arbitrary<Broken>[] = violations(s.shape.schema, s.generate).filter(requestViolation).map((a) => a.map((violation) => ({ violation, what: violationText(violation) })));
  if (s.shape.mediaType) {
    broken.push(fc.constant({ extras: { contentType: s.shape.mediaType === 'application/json' ? 'text/plain' : 'application/json' }, what: 'a body of another media type than the documented one' }));
    if (s.shape.mediaType === 'application/json') broken.push(fc.constantFrom('{', '{"a":', '[1,]', "{'a':1}").map((raw) => ({ extras: { rawBody: raw }, what: 'a body that is not JSON' })));
  }
  return broken;
}

export async function negativePhase({ session, build }: PhaseParts, op: OperationId, s: Setup, covered: RequestValue[]): Promise<void> {
  session.phase = 'negative';
  const broken = brokenRequests(s);
  if (!broken.length) return session.skip(op, 'negative_data_rejection', 'the operation takes no parameter or body to break');
  const { seed, baseUrl } = session.options;
  // One of each violation first, on the minimal valid request, the members' presence first.
  const firsts = broken.map((a) => fc.sample(a, { seed, numRuns: 1 })[0]!).sort((a, b) => rank(a) - rank(b)).map((b) => [covered[0]!, b] as [RequestValue, Broken]);
  await explore(session, op, fc.tuple(s.arbitrary, fc.oneof(...broken)), firsts, async ([value, b], label) => {
    const request = await build(s, value, { ...(b.violation ? { violation: b.violation } : {}), ...(b.extras ? { extras: b.extras } : {}) });
    if (!checkRequest(wireRequest(baseUrl, request)).failures.some((f) => f.check !== 'credentials')) return { found: [], discarded: true };
    return session.sendAndJudge(op, request, { kind: 'refuse', check: 'negative_data_rejection', what: b.what }, label);
  });
}
