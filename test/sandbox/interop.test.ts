/**
 * Two standard OpenID Connect clients, configured as docs/guides/authentication-fr.md says (the discovery
 * document fetched by its URL, the issuer `https://openid.orange.fr/`, HS256 id_tokens, the refresh endpoint
 * apart), drive the sandbox's code flow with their own `client_secret_basic` (RFC 6749 section 2.3.1: id and
 * secret form-urlencoded), PKCE and a nonce. The client's credentials need that encoding, so that a server that
 * skips it fails.
 */
import { jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_TOKEN_ALG, ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { pathOf } from '../../src/contract/operations.js';
import { FormBrowser } from '../helpers/login.js';
import { defaultFixture, post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';

const CLIENT_ID = 'interop client:1';
const SECRET = 'sëcret +/=:%&';
/** The page's redirect URI, without a path: the sandbox sends the browser to `http://www.myserver.com/?code=...`. */
const REDIRECT_URI = 'http://www.myserver.com';
const SUBSCRIBER = { msisdn: '33600000000', password: 'sandbox' };
const SUB = 'PBYJJF-200-DwltrLnXq+7jwTQEkOx9Z9jelg0t0NQrxWFasUgUgEs=';

let target: RunningSandbox;
const discoveryUrl = () => new URL(pathOf('getOpenIdConfiguration'), target.url);
const refreshUrl = () => new URL(pathOf('refreshAccessToken'), target.url).href;

beforeAll(async () => {
  const fixture = defaultFixture();
  fixture.clients.push({ clientId: CLIENT_ID, clientSecret: SECRET, redirectUris: [REDIRECT_URI], scopes: ['openid', 'form_filling'] });
  target = await startSandbox({ fixture });
});
afterAll(async () => { await target?.close(); });

describe('openid-client 6.8.9 against the sandbox', () => {
  const discover = async (metadata: Partial<client.ClientMetadata> = { id_token_signed_response_alg: ID_TOKEN_ALG }) =>
    client.discovery(discoveryUrl(), CLIENT_ID, metadata, client.ClientSecretBasic(SECRET), { execute: [client.allowInsecureRequests] });

  /** The discovered metadata, as data. */
  const metadataOf = (config: client.Configuration): client.ServerMetadata => {
    const { supportsPKCE: _method, ...metadata } = config.serverMetadata();
    return metadata;
  };

  async function signIn(config: client.Configuration) {
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid form_filling', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
    });
    // The login and consent form, submitted as a browser would.
    const callback = await new FormBrowser().authorize(url, SUBSCRIBER);
    return { callback, checks: { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true } };
  }

  it('discovers the sandbox, runs the code flow, validates the HS256 id_token, reads userinfo and refreshes at /oauth/v2/token', async () => {
    const config = await discover();
    expect(config.serverMetadata()).toMatchObject({ issuer: ORANGE_OIDC_ISSUER, id_token_signing_alg_values_supported: [ID_TOKEN_ALG], token_endpoint_auth_methods_supported: ['client_secret_basic'] });
    const { callback, checks } = await signIn(config);
    expect(`${callback.origin}${callback.pathname}`).toBe('http://www.myserver.com/'); // the client sends this redirect_uri back
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    expect(tokens.claims()).toMatchObject({ iss: ORANGE_OIDC_ISSUER, aud: CLIENT_ID, sub: SUB, nonce: checks.expectedNonce });
    await expect(jwtVerify(tokens.id_token!, new TextEncoder().encode(SECRET), { algorithms: [ID_TOKEN_ALG] })).resolves.toBeDefined();
    expect(await client.fetchUserInfo(config, tokens.access_token, SUB)).toEqual({ sub: SUB });

    // The refresh endpoint is not the discovered token endpoint: a configuration of its own.
    const refreshing = new client.Configuration({ ...metadataOf(config), token_endpoint: refreshUrl() }, CLIENT_ID, { id_token_signed_response_alg: ID_TOKEN_ALG }, client.ClientSecretBasic(SECRET));
    client.allowInsecureRequests(refreshing);
    const refreshed = await client.refreshTokenGrant(refreshing, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(await client.fetchUserInfo(config, refreshed.access_token, SUB)).toEqual({ sub: SUB });
  });

  it('gets unsupported_grant_type when it refreshes at the discovered token endpoint, as Orange does', async () => {
    const config = await discover();
    const { callback, checks } = await signIn(config);
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('takes HS256 from the discovery document, and refuses the id_token when configured by hand on its RS256 default', async () => {
    const discovered = await discover({});
    const signedIn = await signIn(discovered);
    await expect(client.authorizationCodeGrant(discovered, signedIn.callback, signedIn.checks)).resolves.toBeDefined();
    const { id_token_signing_alg_values_supported: _alg, ...withoutAlg } = metadataOf(discovered);
    const byHand = new client.Configuration(withoutAlg, CLIENT_ID, {}, client.ClientSecretBasic(SECRET));
    client.allowInsecureRequests(byHand);
    const { callback, checks } = await signIn(byHand);
    await expect(client.authorizationCodeGrant(byHand, callback, checks)).rejects.toMatchObject({ cause: { message: 'unexpected JWT "alg" header parameter' } });
  });
});

describe('oauth4webapi 3.8.8 against the sandbox', () => {
  const c: oauth.Client = { client_id: CLIENT_ID, id_token_signed_response_alg: ID_TOKEN_ALG };
  const auth = oauth.ClientSecretBasic(SECRET);
  const insecure = { [oauth.allowInsecureRequests]: true };

  it('validates the discovered issuer, runs the code flow with PKCE and nonce, reads userinfo and refreshes at /oauth/v2/token', async () => {
    // The document is fetched by its URL, and checked against the issuer the guide gives.
    const as = await oauth.processDiscoveryResponse(new URL(ORANGE_OIDC_ISSUER), await fetch(discoveryUrl()));
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: 'openid form_filling', state, nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
    }).toString();
    // The browser part with a session of the admin API.
    const { body } = await post(`${target.url}${adminPath('openSession')}`, { msisdn: SUBSCRIBER.msisdn, consent: 'grant' }, { 'Content-Type': 'application/json' });
    const redirected = await fetch(url, { headers: { Cookie: body.cookie }, redirect: 'manual' });
    const callback = new URL(redirected.headers.get('location')!);

    const params = oauth.validateAuthResponse(as, c, callback, state);
    const redirectUri = `${callback.origin}${callback.pathname}`; // http://www.myserver.com/
    const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, redirectUri, codeVerifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ iss: ORANGE_OIDC_ISSUER, aud: CLIENT_ID, sub: SUB, nonce });
    const userinfo = await oauth.processUserInfoResponse(as, c, SUB, await oauth.userInfoRequest(as, c, tokens.access_token, insecure));
    expect(userinfo).toEqual({ sub: SUB });

    const refreshResponse = await oauth.refreshTokenGrantRequest({ ...as, token_endpoint: refreshUrl() }, c, auth, tokens.refresh_token!, insecure);
    const refreshed = await oauth.processRefreshTokenResponse(as, c, refreshResponse);
    expect(refreshed).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });
});
