// request_uri outside PAR end to end (OIDC Core §6.2, RFC 9101 §5.2): a client made with the admin
// CLI's --request-uri serves its signed request object from a real local server; the OP fetches
// it (loopback http is allowed only because this OP is a development one on http://127.0.0.1),
// and openid-client redeems the code. A wrong media type and an unregistered URI are refused.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, adminCli, unique } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

describe('request_uri outside PAR', () => {
  let server: Server;
  let origin: string;
  const served = new Map<string, { type: string; body: string; cache?: string }>();
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
      const doc = served.get(req.url ?? '');
      res.writeHead(doc ? 200 : 404, { 'content-type': doc?.type ?? 'text/plain', 'cache-control': doc?.cache ?? 'no-store' });
      res.end(doc?.body ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    origin = `http://127.0.0.1:${addr.port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('a registered request_uri is fetched and its signed request object used; openid-client redeems the code', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwksFile = join(tmpdir(), `${unique('jwks')}.json`);
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'ro-1', alg: 'ES256' }] }));
    const good = `${origin}/${unique('req')}.jwt`;
    const wrongType = `${origin}/${unique('req')}.txt`;
    const cached = `${origin}/${unique('cached')}.jwt`;
    const made = JSON.parse(
      await adminCli('clients', 'create', '--name', unique('ruri'), '--redirect-uri', REDIRECT_URI, '--jwks-file', jwksFile, '--request-uri', good, '--request-uri', wrongType, '--request-uri', cached, '--json'),
    ) as { client_id: string; client_secret: string; request_uris: string[] };
    expect(made.request_uris).toEqual([good, wrongType, cached]);
    const config = await client.discovery(new URL(baseUrl), made.client_id, made.client_secret, client.ClientSecretBasic(made.client_secret), { execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().request_uri_parameter_supported).toBe(true);
    expect(config.serverMetadata().require_request_uri_registration).toBe(true);

    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const requestObject = await new SignJWT({
      client_id: made.client_id,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'ro-1', typ: 'oauth-authz-req+jwt' })
      .setIssuer(made.client_id)
      .setAudience(config.serverMetadata().issuer)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('5m')
      .sign(privateKey);
    served.set(new URL(good).pathname, { type: 'application/oauth-authz-req+jwt', body: requestObject });
    served.set(new URL(wrongType).pathname, { type: 'text/plain', body: requestObject });

    const user = await admin.createUser();
    const url = new URL(config.serverMetadata().authorization_endpoint!);
    url.search = new URLSearchParams({ client_id: made.client_id, request_uri: good }).toString();
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
    expect(hits.get(new URL(good).pathname)).toBe(1);
    expect(callback.searchParams.get('state')).toBe(state);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()!.sub).toBe(user.id);

    // The same object served as text/plain is refused (RFC 9101 §5.2: application/oauth-authz-req+jwt).
    const refusedType = new URL(url);
    refusedType.search = new URLSearchParams({ client_id: made.client_id, request_uri: wrongType, redirect_uri: REDIRECT_URI, state: 'outer' }).toString();
    const typed = await authorize(new Browser([baseUrl]), refusedType, {});
    expect(hits.get(new URL(wrongType).pathname)).toBe(1);
    expect(typed.callback.searchParams.get('error')).toBe('invalid_request_uri');
    expect(typed.callback.searchParams.get('code')).toBeNull();

    // Served with Cache-Control: max-age=60, the object is fetched once for two authorizations (per isolate).
    served.set(new URL(cached).pathname, { type: 'application/jwt', body: requestObject, cache: 'max-age=60' });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${config.serverMetadata().authorization_endpoint}?${new URLSearchParams({ client_id: made.client_id, request_uri: cached })}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
      await res.body?.cancel();
    }
    expect(hits.get(new URL(cached).pathname)).toBe(1);

    // A URI on the same server that the client did not register is never fetched.
    const unregistered = `${origin}/${unique('other')}.jwt`;
    served.set(new URL(unregistered).pathname, { type: 'application/oauth-authz-req+jwt', body: requestObject });
    const other = new URL(url);
    other.search = new URLSearchParams({ client_id: made.client_id, request_uri: unregistered, redirect_uri: REDIRECT_URI, state: 'outer' }).toString();
    const refused = await authorize(new Browser([baseUrl]), other, {});
    expect(refused.callback.searchParams.get('error')).toBe('invalid_request_uri');
    expect(hits.get(new URL(unregistered).pathname)).toBeUndefined();
  });
});
