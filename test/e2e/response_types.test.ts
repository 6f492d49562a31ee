// Every response type and mode (OIDC Core §3.2, §3.3; Multiple Response Types; Form Post Response
// Mode) driven by openid-client v6 as a relying party would: fragments are read from the Location
// the OP sends (a browser keeps the fragment for the page; openid-client reads it from the URL),
// form_post goes through the auto-submitted page in Chromium.
import { createRemoteJWKSet, jwtVerify, base64url } from 'jose';
import * as client from 'openid-client';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, type AdminClient, type TestUser } from './helpers/admin';
import { Browser } from './helpers/browser';
import { CHROMIUM_ARGS, chromiumOrSkip } from './helpers/chromium';
import { authorize } from './helpers/flow';
import { TestRelyingParty } from './helpers/test_rp';

const baseUrl = inject('baseUrl');
const admin = new Admin();
const jwks = createRemoteJWKSet(new URL(`${baseUrl}/jwks`));

async function discover(c: AdminClient): Promise<client.Configuration> {
  return client.discovery(new URL(baseUrl), c.client_id, { client_secret: c.client_secret }, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
}

async function leftHalf(value: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)));
  return base64url.encode(d.slice(0, d.length / 2));
}

/** The authorization response from the Location the OP redirected to, as the page's script would read it. */
function fragment(callback: URL): URLSearchParams {
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
  expect(callback.search).toBe('');
  return new URLSearchParams(callback.hash.slice(1));
}

let user: TestUser;
beforeAll(async () => {
  user = await admin.createUser();
});

async function run(types: string[], params: Record<string, string>, c?: AdminClient) {
  const rp = c ?? (await admin.createClientWith({ response_types: types, first_party: true }));
  const config = await discover(rp);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile email', state, nonce, ...params });
  const browser = new Browser([baseUrl]);
  const { callback } = await authorize(browser, url, { credentials: user });
  return { rp, config, state, nonce, callback };
}

describe('implicit and hybrid flows with openid-client', () => {
  test('id_token: openid-client validates the fragment response (implicitAuthentication)', async () => {
    const rp = await admin.createClientWith({ response_types: ['id_token'], first_party: true });
    const config = await discover(rp);
    client.useIdTokenResponseType(config);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', state, nonce });
    expect(url.searchParams.get('response_type')).toBe('id_token');
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    const claims = await client.implicitAuthentication(config, callback, nonce, { expectedState: state });
    expect(claims.sub).toBe(user.id);
    expect(claims.email).toBe(user.email ?? `${user.username}@example.com`);
  });

  test('code id_token: openid-client checks c_hash and redeems the code (useCodeIdTokenResponseType)', async () => {
    const rp = await admin.createClientWith({ response_types: ['code id_token'], first_party: true });
    const config = await discover(rp);
    client.useCodeIdTokenResponseType(config);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    const p = fragment(callback);
    const front = (await jwtVerify(p.get('id_token')!, jwks, { issuer: baseUrl, audience: rp.client_id })).payload;
    expect(front.c_hash).toBe(await leftHalf(p.get('code')!));
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce, pkceCodeVerifier: verifier, idTokenExpected: true });
    expect(tokens.claims()!.sub).toBe(front.sub);
  });

  for (const type of ['id_token token', 'code token', 'code id_token token']) {
    test(`${type}: the fragment's tokens verify against the JWKS, at_hash/c_hash match, userinfo accepts the access token`, async () => {
      const { rp, config, nonce, state, callback } = await run([type], { response_type: type });
      const p = fragment(callback);
      expect(p.get('state')).toBe(state);
      expect(p.get('iss')).toBe(baseUrl);
      const at = p.get('access_token')!;
      expect(p.get('token_type')).toBe('Bearer');
      if (type.includes('id_token')) {
        const { payload, protectedHeader } = await jwtVerify(p.get('id_token')!, jwks, { issuer: baseUrl, audience: rp.client_id });
        expect(protectedHeader.alg).toBe('RS256');
        expect(payload.nonce).toBe(nonce);
        expect(payload.at_hash).toBe(await leftHalf(at));
        if (type.includes('code')) expect(payload.c_hash).toBe(await leftHalf(p.get('code')!));
      } else {
        expect(p.has('id_token')).toBe(false);
      }
      const sub = (await jwtVerify(at, jwks, { issuer: baseUrl, typ: 'at+jwt' })).payload.sub!;
      const info = await client.fetchUserInfo(config, at, sub);
      expect(info.sub).toBe(sub);
      if (type.includes('code')) {
        // The code travels in the fragment; the relying party hands it to openid-client as a query.
        const asQuery = new URL(`${REDIRECT_URI}?code=${encodeURIComponent(p.get('code')!)}&state=${state}&iss=${encodeURIComponent(baseUrl)}`);
        const tokens = await client.authorizationCodeGrant(config, asQuery, { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
        expect(tokens.claims()!.sub).toBe(sub);
      }
    });
  }

  test('nonce missing for a type returning an ID token: invalid_request in the fragment', async () => {
    const rp = await admin.createClientWith({ response_types: ['id_token'], first_party: true });
    const url = new URL(`${baseUrl}/authorize`);
    url.search = new URLSearchParams({ client_id: rp.client_id, redirect_uri: REDIRECT_URI, response_type: 'id_token', scope: 'openid', state: 's1' }).toString();
    const { left } = await new Browser([baseUrl]).navigate(url);
    const p = fragment(left!);
    expect(p.get('error')).toBe('invalid_request');
    expect(p.get('state')).toBe('s1');
  });

  test('response_mode=query for id_token token is refused, in the fragment; an unregistered type is unauthorized_client', async () => {
    const rp = await admin.createClientWith({ response_types: ['id_token token'], first_party: true });
    const base = { client_id: rp.client_id, redirect_uri: REDIRECT_URI, scope: 'openid', state: 's2', nonce: 'n2' };
    const wrongMode = new URL(`${baseUrl}/authorize?${new URLSearchParams({ ...base, response_type: 'id_token token', response_mode: 'query' })}`);
    expect(fragment((await new Browser([baseUrl]).navigate(wrongMode)).left!).get('error')).toBe('invalid_request');
    const unregistered = new URL(`${baseUrl}/authorize?${new URLSearchParams({ ...base, response_type: 'code id_token' })}`);
    expect(fragment((await new Browser([baseUrl]).navigate(unregistered)).left!).get('error')).toBe('unauthorized_client');
  });

  test('a replayed ID token (another nonce) is refused by openid-client', async () => {
    const rp = await admin.createClientWith({ response_types: ['id_token'], first_party: true });
    const config = await discover(rp);
    client.useIdTokenResponseType(config);
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state, nonce: 'first-nonce' });
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    const err = await client.implicitAuthentication(config, callback, 'second-nonce', { expectedState: state }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
    // The same response with the nonce it was issued for passes.
    expect((await client.implicitAuthentication(config, callback, 'first-nonce', { expectedState: state })).nonce).toBe('first-nonce');
  });
});

describe('plain OAuth 2.0 with openid-client', () => {
  test('no openid: an access token, no ID token, userinfo refused; default scopes when scope is omitted', async () => {
    const rp = await admin.createClientWith({ first_party: true, default_scope: 'profile email' });
    const config = await discover(rp);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    expect(url.searchParams.has('scope')).toBe(false);
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, pkceCodeVerifier: verifier, idTokenExpected: false });
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.scope).toBe('profile email');
    const res = await fetch(`${baseUrl}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
  });
});

const CHROMIUM = chromiumOrSkip();

describe.skipIf(!CHROMIUM)('form_post in a real browser', () => {
  const rp = new TestRelyingParty();
  beforeAll(async () => {
    await rp.start();
  });
  afterAll(async () => {
    await rp.stop();
  });

  for (const [type, hybrid, javaScript] of [['code', false, true], ['code id_token', true, true], ['code id_token', true, false]] as const) {
    test(`${type} via form_post${javaScript ? '' : ' without JavaScript (the Continue button)'}: Chromium submits the page, openid-client validates the POSTed response`, async () => {
      const redirectUri = `${rp.baseUrl}/fp-${hybrid ? 'hybrid' : 'code'}-${javaScript ? 'js' : 'nojs'}`;
      const c = await admin.createClientWith({ response_types: [type], first_party: true, redirect_uris: [redirectUri] });
      const config = await discover(c);
      if (hybrid) client.useCodeIdTokenResponseType(config);
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope: 'openid', state, nonce, response_mode: 'form_post',
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await (await browser.newContext({ javaScriptEnabled: javaScript })).newPage();
        await page.goto(url.href);
        await page.getByLabel('Username or email').fill(user.username);
        await page.getByLabel('Password', { exact: true }).fill(user.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        if (!javaScript) {
          await expect.poll(() => page.title()).toBe('Continue to the application');
          expect(rp.received.some((x) => x.path.startsWith(new URL(redirectUri).pathname))).toBe(false);
          await page.getByRole('button', { name: 'Continue' }).click();
        }
        const received = await rp.waitFor((r) => r.some((x) => x.path.startsWith(new URL(redirectUri).pathname)), 15_000);
        const post = received.find((x) => x.path.startsWith(new URL(redirectUri).pathname))!;
        expect(post.path).toBe(new URL(redirectUri).pathname);
        expect(post.contentType).toBe('application/x-www-form-urlencoded');
        expect(post.body.get('state')).toBe(state);
        const request = new Request(redirectUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: post.body.toString() });
        const tokens = await client.authorizationCodeGrant(config, request, { expectedState: state, expectedNonce: nonce, pkceCodeVerifier: verifier, idTokenExpected: true });
        expect(tokens.claims()!.sub).toBe(user.id);
      } finally {
        await browser.close();
      }
    });
  }
});
