// Dynamic client registration end to end: the admin CLI issues an initial access token, openid-client
// registers with it (RFC 7591) and runs the code flow; the registration is then managed (RFC 7592).
import { createServer, type Server } from 'node:http';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, adminCli, unique } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

const cli = adminCli;

async function codeFlow(config: client.Configuration) {
  const user = await admin.createUser();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const { callback, pages } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
  // Dynamically registered clients are never first-party: the user is asked.
  expect(pages).toEqual(['login', 'consent']);
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  expect(tokens.claims()!.sub).toBe(user.id);
  const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
  expect(info.email).toBe(user.email);
  return tokens;
}

describe('dynamic client registration (RFC 7591, RFC 7592)', () => {
  test('npm run admin -- registration token --json prints exactly initial_access_token and expires_at', async () => {
    const out = JSON.parse(await cli('registration', 'token', '--uses', '2', '--ttl', '600', '--json'));
    expect(Object.keys(out).sort()).toEqual(['expires_at', 'initial_access_token']);
    expect(out.expires_at).toBeGreaterThan(Date.now() / 1000 + 590);
    expect(out.initial_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('openid-client registers with an initial access token, completes the code flow, then the client is read, updated and deleted', async () => {
    const { initial_access_token } = JSON.parse(await cli('registration', 'token', '--json'));
    const config = await client.dynamicClientRegistration(
      new URL(baseUrl),
      { client_name: unique('dyn'), redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code', 'refresh_token'] },
      undefined,
      { initialAccessToken: initial_access_token, execute: [client.allowInsecureRequests] },
    );
    const registered = config.clientMetadata();
    expect(registered.client_secret).toBeTruthy();
    expect(registered.client_secret_expires_at).toBe(0);
    expect(registered.registration_client_uri).toBe(`${baseUrl}/register/${config.clientMetadata().client_id}`);

    await codeFlow(config);

    // The token was single-use: the server refuses a second registration with it.
    const again = await fetch(`${baseUrl}/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${initial_access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
    });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_token');

    const manage = (method: string, body?: unknown) =>
      fetch(registered.registration_client_uri as string, {
        method,
        headers: { Authorization: `Bearer ${registered.registration_access_token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const read = await manage('GET');
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ client_id: registered.client_id, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_post' });

    const put = await manage('PUT', { client_id: registered.client_id, client_secret: registered.client_secret, client_name: 'Renamed', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_post' });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { client_name: string }).client_name).toBe('Renamed');
    expect(((await (await manage('GET')).json()) as { grant_types: string[] }).grant_types).toEqual(['authorization_code']);

    expect((await manage('DELETE')).status).toBe(204);
    expect((await manage('GET')).status).toBe(401);
  });

  test('clients rotate-secret: both secrets work during the overlap, only the new one after --overlap 0', async () => {
    const c = await admin.createClientWith({ grant_types: ['client_credentials'], scope: 'api', redirect_uris: [], token_endpoint_auth_method: 'client_secret_post' });
    const tokenWith = async (secret: string) => {
      const config = await client.discovery(new URL(baseUrl), c.client_id, secret, client.ClientSecretPost(secret), { execute: [client.allowInsecureRequests] });
      return client.clientCredentialsGrant(config).then(
        () => 'ok',
        () => 'refused',
      );
    };
    const rotated = JSON.parse(await cli('clients', 'rotate-secret', c.client_id, '--overlap', '300', '--json'));
    expect(await tokenWith(c.client_secret!)).toBe('ok');
    expect(await tokenWith(rotated.client_secret)).toBe('ok');
    const again = JSON.parse(await cli('clients', 'rotate-secret', c.client_id, '--overlap', '0', '--json'));
    expect(again.previous_secret_expires_at).toBe(0);
    expect(await tokenWith(rotated.client_secret)).toBe('refused');
    expect(await tokenWith(c.client_secret!)).toBe('refused');
    expect(await tokenWith(again.client_secret)).toBe('ok');
  });
});

describe('pairwise subjects with a sector_identifier_uri (OIDC Core §8.1)', () => {
  let server: Server;
  let sectorUri: string;
  const OTHER_REDIRECT = 'http://localhost:3000/callback';

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/sector.json' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(req.url === '/sector.json' ? JSON.stringify([REDIRECT_URI, OTHER_REDIRECT]) : '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    sectorUri = `http://127.0.0.1:${addr.port}/sector.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const registerPairwise = async (metadata: Record<string, unknown>) => {
    const { initial_access_token } = JSON.parse(await cli('registration', 'token', '--json'));
    return client.dynamicClientRegistration(
      new URL(baseUrl),
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_post', subject_type: 'pairwise', ...metadata },
      undefined,
      { initialAccessToken: initial_access_token, execute: [client.allowInsecureRequests] },
    );
  };

  test('the OP fetches the document, and clients of one sector share the pairwise sub', async () => {
    // Two redirect hosts (127.0.0.1 and localhost) need the sector_identifier_uri.
    const a = await registerPairwise({ sector_identifier_uri: sectorUri, redirect_uris: [REDIRECT_URI, OTHER_REDIRECT] });
    // b also asks for signed userinfo: openid-client verifies the JWT against the JWKS.
    const b = await registerPairwise({ sector_identifier_uri: sectorUri, userinfo_signed_response_alg: 'PS256' });
    expect(b.clientMetadata().userinfo_signed_response_alg).toBe('PS256');
    const user = await admin.createUser();
    const subs: string[] = [];
    for (const config of [a, b]) {
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state });
      const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
      const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, idTokenExpected: true });
      const sub = tokens.claims()!.sub;
      // openid-client checks that userinfo's sub is the ID token's.
      const info = await client.fetchUserInfo(config, tokens.access_token, sub);
      expect(info.sub).toBe(sub);
      subs.push(sub);
    }
    expect(subs[0]).toBe(subs[1]);
    expect(subs[0]).not.toBe(user.id);
  });

  test('a redirect_uri missing from the document -> invalid_client_metadata', async () => {
    await expect(registerPairwise({ sector_identifier_uri: sectorUri, redirect_uris: ['http://127.0.0.1:4000/elsewhere'] })).rejects.toMatchObject({ error: 'invalid_client_metadata' });
  });
});
