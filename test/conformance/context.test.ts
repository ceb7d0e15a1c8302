import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import { RunState, TriggerContext } from '../../conformance/context.js';
import { HeaderList, type Exchange, type HttpRequest } from '../../conformance/http.js';
import { RetriesExhausted } from '../../conformance/pacing.js';
import type { Profile } from '../../conformance/profile.js';

let profile: Profile;
beforeAll(async () => {
  const key = await generateSigningKey();
  profile = {
    name: 'context', kind: 'live',
    directMatch: { clientId: 'dm-client', privateJwk: key.privateJwk, scope: ['openid'], subjects: { known: { msisdn: '+33600000000', kyc: {} } } },
  };
});

const answer = (request: HttpRequest, status: number, body = ''): Exchange => ({
  request: { method: request.method, url: `http://target${request.path}`, headers: new HeaderList(), body: '' },
  response: { status, headers: new HeaderList(), bytes: Buffer.from(body), text: body }, ms: 1,
});

/** A run whose sender answers the n-th request (from 0) as `answers[n]` says. */
function runWith(answers: ((request: HttpRequest) => Exchange)[]) {
  const sent: HttpRequest[] = [];
  const state = new RunState(profile, {
    url: (request) => `http://target${request.path}`,
    send: async (request) => {
      const next = answers[sent.length];
      sent.push(request);
      if (!next) throw new Error('no more answers');
      return next(request);
    },
  });
  return { state, sent, ctx: () => new TriggerContext(state) };
}

describe('the Direct Match token a run shares between its cases', () => {
  it('is not judged when the token endpoint kept saying "later": RetriesExhausted as it came, and the next case asks again', async () => {
    const { ctx, sent } = runWith([
      (request) => { throw new RetriesExhausted('still HTTP 429 after 4 retries', answer(request, 429)); },
      (request) => answer(request, 200, JSON.stringify({ access_token: 'the-token' })),
    ]);
    const first = ctx();
    const error = await first.directMatchToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(first.steps.map((s) => s.response?.status)).toEqual([429]);
    expect(await ctx().directMatchToken()).toBe('the-token');
    // Obtained once it worked: a third case takes the same token without a request.
    expect(await ctx().directMatchToken()).toBe('the-token');
    expect(sent).toHaveLength(2);
  });

  it('shares a refusal with every case that needs the token, sent once', async () => {
    const { ctx, sent } = runWith([(request) => answer(request, 400, '{"error":"invalid_grant"}')]);
    for (let i = 0; i < 3; i++) await expect(ctx().directMatchToken()).rejects.toThrow(/the token request for the subject gave HTTP 400: \{"error":"invalid_grant"\}/);
    expect(sent).toHaveLength(1);
  });
});
