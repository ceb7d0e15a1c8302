/**
 * Triggers of ID Match Spain. The named examples send values either exactly equal to the subject's (a match) or
 * plainly different (no match). The value cases exercise each normalisation rule of the page ("NOTE: on server
 * side, the criteria being implemented to check the match are the following"): each sends the subject's claims
 * changed only in a way the rule undoes (case, spaces, `\n , º ( )`, the `+34` prefix, accents), so every claim
 * must match and be echoed as sent (docs/errata.md ES-10); and a near miss no rule undoes must not match.
 */
import { pathOf } from '../../src/contract/operations.js';
import { need } from '../context.js';
import type { Profile } from '../profile.js';
import type { HttpRequest, Trigger, TriggerTable } from '../types.js';
import { isValidRequest, requestSchema } from './requests.js';

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
    if (value && typeof value === 'object') out[claim] = verdict(value, held[claim] ?? {});
    else if (value === held[claim]) Object.assign(out, { [claim]: value, [`${claim}_match`]: true });
    else out[`${claim}_match`] = false;
  }
  return out;
}

type Claims = Record<string, unknown>;
type Schema = { type?: string; format?: string; pattern?: string; properties?: Record<string, Schema> };

/** The claims of the request whose values are free text: strings the schema constrains by no format or pattern. */
const textClaim = (schema: Schema | undefined) => schema?.type === 'string' && !schema.format && !schema.pattern;

/** The page's special characters, removed before comparing. */
const SPECIAL = ['\n', ',', 'º', '(', ')'];
const ACCENTED: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú', A: 'Á', E: 'É', I: 'Í', O: 'Ó', U: 'Ú' };
const ACCENTED_VOWELS = /[áàâäãéèêëíìîïóòôöõúùûüÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜ]/g;
const middle = (v: string) => Math.ceil(v.length / 2);
const insert = (v: string, what: string) => `${v.slice(0, middle(v))}${what}${v.slice(middle(v))}`;

/** One rule of the page: how a text claim (or an MSISDN claim) is changed so that the rule undoes the change. */
interface Rule { text?: (value: string, index: number) => string; msisdn?: (value: string) => string }
const RULES: Record<string, Rule> = {
  // "the value is converted to lower case"
  case: { text: (v) => [...v].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('') },
  // "all spaces are removed"
  spaces: { text: (v) => (v.includes(' ') ? v.replaceAll(' ', '') : ` ${insert(v, ' ')} `) },
  // "the special characters included in the mapping are removed ('\n', ',', 'º', '(', ')')": one per claim, in turn
  'special-characters': { text: (v, i) => insert(v, SPECIAL[i % SPECIAL.length]!) },
  // "the country prefix in the MSISDN value are removed ('+34')"
  'msisdn-prefix': { msisdn: (v) => (v.startsWith('+34') ? v.slice(3) : `+34${v}`) },
  // "accented vowels are changed by vowels without accent"
  accents: { text: (v) => {
    const plain = v.replace(ACCENTED_VOWELS, (c) => c.normalize('NFD')[0]!);
    return plain !== v ? plain : v.replace(/[aeiouAEIOU]/, (c) => ACCENTED[c]!);
  } },
};

/** The last letter or digit moved on by one (`e` to `f`, `9` to `0`): a change no rule undoes. */
function nearMiss(value: string): string {
  const at = value.search(/[\p{L}\p{N}](?=[^\p{L}\p{N}]*$)/u);
  if (at < 0) return `${value}x`;
  const base = value[at]!.normalize('NFD')[0]!;
  const next = /\d/.test(base) ? String((Number(base) + 1) % 10) : /[zZ]/.test(base) ? String.fromCharCode(base.charCodeAt(0) - 25) : /[a-yA-Y]/.test(base) ? String.fromCharCode(base.charCodeAt(0) + 1) : 'x';
  return value.slice(0, at) + next + value.slice(at + 1);
}

const REQUEST = requestSchema('verifyPremiumInfo') as Schema;

/** The request a rule builds from the subject's claims: every claim the rule changes (address members too), and the verdict due. */
function ruleCase(held: Claims, change: (value: string, index: number, schema: Schema) => string | undefined, matches: boolean): { sent: Claims; due: Claims } {
  const sent: Claims = {};
  const due: Claims = {};
  let index = 0;
  const visit = (schema: Schema, claims: Claims, into: Claims, verdict: Claims, root: Claims) => {
    for (const [claim, value] of Object.entries(claims)) {
      const sub = schema.properties?.[claim];
      if (sub?.type === 'object' && value && typeof value === 'object') {
        const nested: Claims = {};
        const nestedVerdict: Claims = {};
        into[claim] = nested;
        visit(sub, value as Claims, nested, nestedVerdict, root);
        if (Object.keys(nested).length) verdict[claim] = nestedVerdict;
        else delete into[claim];
        continue;
      }
      if (typeof value !== 'string' || !sub) continue;
      const changed = change(value, index, sub);
      if (changed === undefined || changed === value) continue;
      into[claim] = changed;
      if (!isValidRequest('verifyPremiumInfo', root)) {
        delete into[claim];
        continue;
      }
      index++;
      Object.assign(verdict, matches ? { [claim]: changed, [`${claim}_match`]: true } : { [`${claim}_match`]: false });
    }
  };
  visit(REQUEST, held, sent, due, sent);
  return { sent, due };
}

const VALUE_NEEDS = need('accessTokens.id_match', 'idMatchSubject.claims');

function valueCase(name: string, change: (value: string, index: number, schema: Schema) => string | undefined, matches: boolean): Trigger {
  const build = (profile: Profile) => ruleCase(claims(profile), change, matches);
  return {
    requires: (profile) => VALUE_NEEDS(profile) ?? (Object.keys(build(profile).sent).length ? undefined : `the subject has no claim the ${name} case changes`),
    request: async (ctx) => post(build(ctx.profile).sent, bearer(ctx.profile)),
    expect: (ctx) => ({ body: build(ctx.profile).due, check: 'match' }),
  };
}

const ruleCases = Object.fromEntries(Object.entries(RULES).map(([name, rule]) => [
  `verifyPremiumInfo/200/SeveralClaims#${name}`,
  valueCase(name, (value, index, schema) => (textClaim(schema) && rule.text ? rule.text(value, index) : /^(\+34)?[0-9]{9}$/.test(value) && rule.msisdn ? rule.msisdn(value) : undefined), true),
]));

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
  ...ruleCases,
  // One letter or digit off, in every text claim: no rule undoes it, nothing matches, nothing is echoed.
  'verifyPremiumInfo/200/SeveralClaims#near-miss': valueCase('near-miss', (value, _i, schema) => (textClaim(schema) ? nearMiss(value) : undefined), false),
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
  // A valid token of another API, without the id_match scope.
  'verifyPremiumInfo/401/InvalidCredentials#other-scope': {
    requires: need('accessTokens.form_filling'),
    request: async (ctx) => post({ name: 'Jane Doe' }, `Bearer ${ctx.profile.accessTokens!.form_filling}`),
  },
};
