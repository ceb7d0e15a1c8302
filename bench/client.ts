/**
 * `npm run bench:client`: the cost of a call through our Form ID client against bare `fetch` and bare
 * openapi-fetch, on loopback against a node:http server in another process; then the number of signatures the
 * token provider makes for 10,000 calls. Figures and ratios come from one run; nothing here is asserted.
 */
import createClient from 'openapi-fetch';
import type { paths } from 'orange-identity-client/form-id-fr';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import { createTokenProvider } from 'orange-identity-client/auth/token-provider';
import { createFormIdFrClient } from 'orange-identity-client/form-id-fr';
import { compare, startChildServer } from './lib.js';

const SERVER = `
import { createServer } from 'node:http';
let tokens = 0;
const claims = JSON.stringify({ sub: 'USFPGN-200', given_name: 'Christine', family_name: 'Dumontel', locale: 'fr-FR' });
const server = createServer((req, res) => {
  if (req.url === '/oauth-jwt/fr/v1/token') {
    req.resume(); req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token_type: 'Bearer', access_token: 'token-' + ++tokens, expires_in: 3600 }));
    });
    return;
  }
  if (req.url === '/count') { res.end(String(tokens)); return; }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  res.end(claims);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const { url, child } = await startChildServer(SERVER);
try {
  const path = '/formfilling/fr/v1/userinfo';
  const bare = createClient<paths>({ baseUrl: url, headers: { Authorization: 'Bearer token' } });
  const ours = createFormIdFrClient({ baseUrl: url, accessToken: 'token' });
  const key = await generateSigningKey();
  const provider = createTokenProvider({ clientId: 'bench', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: key.privateJwk, baseUrl: url });
  const oursWithProvider = createFormIdFrClient({ baseUrl: url, accessToken: provider });

  const options = { rounds: 7, calls: 5_000, concurrency: 16 };
  const medians = await compare({
    'bare fetch': async () => (await fetch(url + path, { headers: { Authorization: 'Bearer token' } })).json(),
    'bare openapi-fetch': () => bare.GET(path),
    'our client (static token)': () => ours.GET(path),
    'our client (token provider)': () => oursWithProvider.GET(path),
  }, options);

  const base = medians['bare openapi-fetch']!;
  console.log(`client call cost, ${options.calls} calls x ${options.rounds} rounds, ${options.concurrency} in flight, median round:`);
  for (const [name, ms] of Object.entries(medians)) {
    console.log(`  ${name.padEnd(30)} ${(ms / options.calls * 1000).toFixed(1).padStart(7)} us/call  ${Math.round(options.calls / ms * 1000).toString().padStart(6)} calls/s  ${(ms / base).toFixed(3)}x bare openapi-fetch`);
  }

  const before = Number(await (await fetch(`${url}/count`)).text());
  const counted = createTokenProvider({ clientId: 'bench', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: key.privateJwk, baseUrl: url });
  for (let batch = 0; batch < 100; batch++) await Promise.all(Array.from({ length: 100 }, () => counted.getToken()));
  const signatures = Number(await (await fetch(`${url}/count`)).text()) - before;
  console.log(`token provider: ${signatures} signature(s) and token request(s) for 10,000 getToken() calls (100 batches of 100 concurrent)`);
} finally {
  child.kill();
}
