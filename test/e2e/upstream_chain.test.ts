// Two instances of this OP chained (issue 11): instance A is the upstream of the OP under test (B).
// The product brokering itself: both sides of the protocol are ours, and must agree.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, adminCli, REDIRECT_URI, unique, type AdminClient } from './helpers/admin';
import { Browser, type Page } from './helpers/browser';
import { randomToken, runWrangler, startDevServer, type DevServer } from './helpers/wrangler';

const baseUrl = inject('baseUrl');
const ours = new Admin();
const slug = `chain-${Date.now().toString(36)}`;
let upstreamOp: DevServer;
let upstreamAdmin: Admin;
let persistTo: string;

beforeAll(async () => {
  persistTo = mkdtempSync(join(tmpdir(), 'oidc-e2e-upstream-'));
  const token = randomToken();
  await runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo]);
  upstreamOp = await startDevServer({ persistTo, vars: { ADMIN_TOKEN: token, KEY_ENCRYPTION_KEY: randomToken() } });
  upstreamAdmin = new Admin(upstreamOp.baseUrl, token);
}, 180_000);

afterAll(async () => {
  await ours.request('DELETE', `/admin/upstreams/${slug}`).catch(() => {});
  await upstreamOp?.stop();
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
});

describe('this OP as the upstream of another instance of itself', () => {
  test('a user of instance A signs in to an application of instance B', async () => {
    // At A: B is a first-party client (no consent page there) with B's callback as its redirect URI.
    const atA = await upstreamAdmin.createClient({ name: 'Broker B', redirectUris: [`${baseUrl}/upstream/${slug}/callback`], firstParty: true });
    const alice = await upstreamAdmin.createUser({ name: 'Alice of A' });
    // At B: A as an upstream, and an application.
    const created = JSON.parse(await adminCli('upstreams', 'create', '--name', 'Instance A', '--slug', slug, '--issuer', upstreamOp.baseUrl, '--client-id', atA.client_id, '--client-secret', atA.client_secret!, '--json'));
    expect(created.redirect_uri).toBe(`${baseUrl}/upstream/${slug}/callback`);
    const app: AdminClient = await ours.createClient({ name: unique('chained-app'), firstParty: true });
    const config = await client.discovery(new URL(baseUrl), app.client_id, { client_secret: app.client_secret }, client.ClientSecretBasic(app.client_secret!), { execute: [client.allowInsecureRequests] });

    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid profile email', state: checks.state, nonce: checks.nonce, idp_hint: slug,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier), code_challenge_method: 'S256',
    });
    const browser = new Browser([baseUrl, upstreamOp.baseUrl]);
    let step: { page?: Page; left?: URL } = await browser.navigate(url);
    // A's sign-in page.
    expect(step.page!.url.origin).toBe(upstreamOp.baseUrl);
    const login = step.page!.forms.find((f) => f.action.endsWith('/login'))!;
    step = await browser.submit(step.page!, login, { username: alice.username, password: alice.password });
    expect(step.left?.origin + step.left!.pathname).toBe(REDIRECT_URI);
    const tokens = await client.authorizationCodeGrant(config, step.left!, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(baseUrl);
    expect(claims.sub).not.toBe(alice.id); // B's own user, linked to A's sub
    expect(claims.amr).toContain('fed');
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ email: alice.email, name: 'Alice of A' });
  });
});
