/**
 * Triggers of ID Match Spain. Success cases send values either exactly equal to the subject's (a match) or
 * plainly different (no match), so that what the server must answer follows from the page's rules without
 * re-implementing its normalisation here.
 */
import { pathOf } from '../../src/contract/operations.js';
import { need } from '../context.js';
import type { Profile } from '../profile.js';
import type { HttpRequest, TriggerTable } from '../types.js';

const PATH = pathOf('verifyPremiumInfo');
const post = (json: unknown, authorization?: string, rawBody?: string): HttpRequest => ({
  method: 'POST', path: PATH, headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
  ...(rawBody === undefined ? { json } : { rawBody }),
});
const bearer = (profile: Profile) => `Bearer ${profile.accessTokens!.id_match}`;
const claims = (profile: Profile) => profile.idMatchSubject!.claims as Record<string, any>;
const otherPhone = (phone: string) => (phone === '+34700000001' ? '+34700000002' : '+34700000001');

type Sent = Record<string, any>;
/** What the page says comes back: a matching claim echoed with `*_match: true`, another as `*_match: false` only. */
function verdict(sent: Sent, held: Sent): Sent {
  const out: Sent = {};
  for (const [claim, value] of Object.entries(sent)) {
    if (claim === 'address') out.address = verdict(value, held.address ?? {});
    else if (value === held[claim]) Object.assign(out, { [claim]: value, [`${claim}_match`]: true });
    else out[`${claim}_match`] = false;
  }
  return out;
}

export const triggers: TriggerTable = {
  'verifyPremiumInfo/200/PhoneNumberMatch': {
    requires: need('accessTokens.id_match', 'idMatchSubject.claims.phone_number'),
    request: async (ctx) => post({ phone_number: claims(ctx.profile).phone_number }, bearer(ctx.profile)),
    expect: (ctx, sent) => ({ body: verdict(sent.json as Sent, claims(ctx.profile)) }),
  },
  'verifyPremiumInfo/200/PhoneNumberMismatch': {
    requires: need('accessTokens.id_match', 'idMatchSubject.claims.phone_number'),
    request: async (ctx) => post({ phone_number: otherPhone(claims(ctx.profile).phone_number) }, bearer(ctx.profile)),
    expect: (ctx, sent) => ({ body: verdict(sent.json as Sent, claims(ctx.profile)) }),
  },
  'verifyPremiumInfo/200/SeveralClaims': {
    requires: need('accessTokens.id_match', 'idMatchSubject.claims.sub', 'idMatchSubject.claims.name', 'idMatchSubject.claims.address'),
    request: async (ctx) => {
      const held = claims(ctx.profile);
      return post({
        sub: held.sub,
        updated_at: (held.updated_at ?? 0) + 1,
        name: held.name,
        address: { postal_code: held.address.postal_code === '00000' ? '99999' : '00000', ...(held.address.country ? { country: held.address.country } : {}) },
        ...(held.subscriber_msisdn ? { subscriber_msisdn: held.subscriber_msisdn } : {}),
      }, bearer(ctx.profile));
    },
    expect: (ctx, sent) => ({ body: verdict(sent.json as Sent, claims(ctx.profile)) }),
  },
  'verifyPremiumInfo/400/InvalidBody': {
    requires: need('accessTokens.id_match'),
    request: async (ctx) => post(undefined, bearer(ctx.profile), '{"name": "Jane Doe",'),
  },
  'verifyPremiumInfo/401/MissingCredentials': {
    request: async () => post({ name: 'Jane Doe' }),
  },
  'verifyPremiumInfo/401/InvalidCredentials': {
    request: async () => post({ name: 'Jane Doe' }, 'Bearer conformance-invalid-token'),
  },
};
