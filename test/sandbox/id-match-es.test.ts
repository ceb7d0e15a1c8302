import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchClaims, normaliseForMatch } from '../../sandbox/id-match-es.js';
import { createIdMatchEsClient } from '../../src/clients/id-match-es.js';
import { validator } from '../../src/contract/validators.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });

describe('the ID Match Spain normalisation', () => {
  it('removes spaces, lower-cases, drops \\n , º ( ), the +34 prefix of MSISDNs, and accents of vowels', () => {
    expect(normaliseForMatch(' Calle de  Alcalá, 1º (Madrid)\n')).toBe('callede alcala1madrid'.replace(' ', ''));
    expect(normaliseForMatch('+34712345678', true)).toBe('712345678');
    expect(normaliseForMatch('+34712345678', false)).toBe('+34712345678');
    expect(normaliseForMatch(true)).toBe(true);
  });

  it('echoes equivalent claims with *_match true (telephone numbers in E.164), and answers *_match false alone otherwise', () => {
    expect(matchClaims({ name: 'JANE  DOE', phone_number: '712345678', email: 'x@y.es', address: { locality: 'madrid', country: 'France' } },
      { name: 'Jane Doe', phone_number: '+34712345678', email: 'jane@orange.es', address: { locality: 'Madrid', country: 'Spain' } }))
      .toEqual({ name: 'JANE  DOE', name_match: true, phone_number: '+34712345678', phone_number_match: true, email_match: false, address: { locality: 'madrid', locality_match: true, country_match: false } });
  });

  it('removes the country prefix of a telephone number written +34 or 34 before nine digits, and nothing else', () => {
    for (const same of ['+34712345678', '34712345678', '+34 712 345 678', '(+34) 712 345 678', '(34) 712345678', '712345678', ' 712,345,678 ']) {
      expect(normaliseForMatch(same, true), same).toBe('712345678');
    }
    expect(normaliseForMatch('3471234567', true)).toBe('3471234567'); // 34 then eight digits: a national number, kept
    expect(normaliseForMatch('+33712345678', true)).toBe('+33712345678');
    expect(normaliseForMatch('0034712345678', true)).toBe('0034712345678');
  });
});

describe('the sandbox premiuminfo', () => {
  it('answers with the page semantics, valid against the contract (typed client)', async () => {
    const client = createIdMatchEsClient({ baseUrl: target.url, accessToken: 'sandbox-token-id-match' });
    const { data } = await client.POST('/idmatch/es/v1/premiuminfo', { body: { name: 'jane doe', given_name: 'Janet', address: { street_address: 'Calle de Alcala 1' } } });
    expect(data).toEqual({ name: 'jane doe', name_match: true, given_name_match: false, address: { street_address: 'Calle de Alcala 1', street_address_match: true } });
  });

  it('answers the Orange gateway errors 40, 41 and 22', async () => {
    const anonymous = await createIdMatchEsClient({ baseUrl: target.url }).POST('/idmatch/es/v1/premiuminfo', { body: {} });
    expect(anonymous.error).toMatchObject({ code: 40 });
    const invalid = await createIdMatchEsClient({ baseUrl: target.url, accessToken: 'nope' }).POST('/idmatch/es/v1/premiuminfo', { body: {} });
    expect(invalid.error).toMatchObject({ code: 41 });
    const unknownField = await createIdMatchEsClient({ baseUrl: target.url, accessToken: 'sandbox-token-id-match' }).POST('/idmatch/es/v1/premiuminfo', { body: { nickname: 'J' } as never });
    expect(unknownField.error).toMatchObject({ code: 22, message: 'Invalid body' });
  });

  it('accepts telephone numbers as the customer wrote them, and echoes a match in E.164, valid against the response schema', async () => {
    const client = createIdMatchEsClient({ baseUrl: target.url, accessToken: 'sandbox-token-id-match' });
    const validResponse = validator('id-match-es/verifyPremiumInfo/200/application/json');
    for (const written of ['34712345678', '+34 712 345 678', '(+34) 712 345 678', '712345678', '+34712345678']) {
      const { data, response } = await client.POST('/idmatch/es/v1/premiuminfo', { body: { subscriber_msisdn: written, phone_number: written } });
      expect({ written, status: response.status, data }).toEqual({
        written, status: 200, data: { subscriber_msisdn: '+34712345678', subscriber_msisdn_match: true, phone_number: '+34712345678', phone_number_match: true },
      });
      expect(validResponse(data)).toBe(true);
    }
    const { data } = await client.POST('/idmatch/es/v1/premiuminfo', { body: { phone_number: '+34 600 000 000' } });
    expect(data).toEqual({ phone_number_match: false });
  });

  it('still refuses a telephone number no normalisation makes digits (400 code 22)', async () => {
    const client = createIdMatchEsClient({ baseUrl: target.url, accessToken: 'sandbox-token-id-match' });
    for (const junk of ['call me', '+34 712 345 678 ext. 5', '++34712345678', '12345', '1'.repeat(16), '+34-712-345-678']) {
      const { error, response } = await client.POST('/idmatch/es/v1/premiuminfo', { body: { phone_number: junk } });
      expect({ junk, status: response.status, code: (error as { code?: number } | undefined)?.code }).toEqual({ junk, status: 400, code: 22 });
    }
  });
});
