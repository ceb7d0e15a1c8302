/**
 * The admin API's clients and keys, registered as on the portal's Settings tab: a code-flow client (its secret
 * generated when none is given) or a Direct Match client (a JWKS, or a JWKS URI pending until authorized), its
 * keys added, rotated and removed. Every client registered follows the fixture's rules (sandbox/fixture.ts).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { type AdminHandler, type AdminOperationId, body, fail, noContent } from './admin-io.js';
import { clientProblems, type Client } from './fixture.js';
import { sendJson } from './http.js';
import { STORE_CAPS } from './limits.js';
import type { SandboxState } from './state.js';

type ClientOperation = 'registerClient' | 'getClient' | 'removeClient' | 'registerJwks' | 'registerJwksUri' | 'authorizeJwksUri' | 'addKey' | 'removeKey';

const found = (state: SandboxState, res: ServerResponse, clientId: string) => {
  const client = state.clients.get(clientId);
  if (!client) fail(res, 'not_found', `no client ${clientId}`);
  return client;
};

/** Registers `next` in place of a client, when it is a valid one; answers the error otherwise. */
const store = (state: SandboxState, res: ServerResponse, next: Client, status: number) => {
  const problems = clientProblems(next, 'body');
  if (problems.length) return fail(res, 'invalid_request', problems.join('; '));
  state.setClient(next);
  sendJson(res, status, next);
};

const withoutKeys = ({ jwks: _jwks, jwksUri: _uri, jwksUriAuthorized: _authorized, ...rest }: Client): Client => rest;

export const CLIENT_HANDLERS: { [K in ClientOperation & AdminOperationId]: AdminHandler } = {
  async registerClient({ state }, req, res) {
    const input = await body<Client>(req, res, 'registerClient');
    if (!input) return;
    if (state.clients.has(input.clientId)) return fail(res, 'conflict', `a client ${input.clientId} is registered already`);
    if (state.clients.size >= STORE_CAPS.clients) return fail(res, 'invalid_request', `the sandbox holds ${STORE_CAPS.clients} clients already: remove some, or reset it`);
    const secret = input.redirectUris && !input.clientSecret ? { clientSecret: randomBytes(24).toString('base64url') } : {};
    const pending = input.jwksUri && input.jwksUriAuthorized === undefined ? { jwksUriAuthorized: false } : {};
    store(state, res, { ...input, ...secret, ...pending }, 201);
  },

  getClient({ state }, _req, res, { clientId }) {
    const client = found(state, res, clientId!);
    if (client) sendJson(res, 200, client);
  },

  removeClient({ state }, _req, res, { clientId }) {
    if (!state.removeClient(clientId!)) return fail(res, 'not_found', `no client ${clientId}`);
    noContent(res);
  },

  async registerJwks({ state }, req, res, { clientId }) {
    const input = await body<{ keys: JWK[] }>(req, res, 'registerJwks');
    const client = input && found(state, res, clientId!);
    if (client) store(state, res, { ...withoutKeys(client), jwks: { keys: input.keys } }, 200);
  },

  async registerJwksUri({ state }, req, res, { clientId }) {
    const input = await body<{ jwksUri: string }>(req, res, 'registerJwksUri');
    const client = input && found(state, res, clientId!);
    if (client) store(state, res, { ...withoutKeys(client), jwksUri: input.jwksUri, jwksUriAuthorized: false }, 200);
  },

  authorizeJwksUri({ state }, _req, res, { clientId }) {
    const client = found(state, res, clientId!);
    if (!client) return;
    if (!client.jwksUri) return fail(res, 'invalid_request', `client ${clientId} has registered no JWKS URI`);
    store(state, res, { ...client, jwksUriAuthorized: true }, 200);
  },

  async addKey({ state }, req, res, { clientId }) {
    const input = await body<{ key: JWK; replaces?: string }>(req, res, 'addKey');
    const client = input && found(state, res, clientId!);
    if (!client) return;
    if (client.jwksUri) return fail(res, 'invalid_request', `client ${clientId} registered a JWKS URI: its keys are the ones served there`);
    const keys = client.jwks?.keys ?? [];
    if (input.replaces !== undefined && !keys.some((k) => k.kid === input.replaces)) return fail(res, 'not_found', `client ${clientId} has no key ${input.replaces}`);
    const kept = keys.filter((k) => input.replaces === undefined || k.kid !== input.replaces);
    if (input.key.kid !== undefined && kept.some((k) => k.kid === input.key.kid)) return fail(res, 'conflict', `client ${clientId} has a key ${input.key.kid} already`);
    store(state, res, { ...client, jwks: { keys: [...kept, input.key] } }, 201);
  },

  removeKey({ state }, _req, res, { clientId, kid }) {
    const client = found(state, res, clientId!);
    if (!client) return;
    const keys = client.jwks?.keys ?? [];
    if (!keys.some((k) => k.kid === kid)) return fail(res, 'not_found', `client ${clientId} has no key ${kid}`);
    state.setClient({ ...client, jwks: { keys: keys.filter((k) => k.kid !== kid) } });
    noContent(res);
  },
};
