// End-to-end authorization code flows, driven by openid-client exactly as a relying party would.
import * as client from 'openid-client';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, type AdminClient, type TestUser } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

function clientAuth(c: AdminClient): client.ClientAuth {
  switch (c.token_endpoint_auth_method) {
    case 'client_secret_basic':
      return client.ClientSecretBasic(c.client_secret!);
    case 'client_secret_post':
      return client.ClientSecretPost(c.client_secret!);
    case 'none':
      return client.None();
  }
}

/** The last response openid-client received from each OP endpoint path (headers only). */
const lastResponse = new Map<string, { status: number; headers: Headers }>();
const recordingFetch: client.CustomFetch = async (url, options) => {
  const res = await fetch(url, options as RequestInit);
  lastResponse.set(new URL(url).pathname, { status: res.status, headers: res.headers });
  return res;
};

/** openid-client's discovery for a registered client, over http on loopback. */
async function discover(c: AdminClient): Promise<client.Configuration> {
  const metadata: Partial<client.ClientMetadata> = { client_secret: c.client_secret };
  // openid-client enforces the registered algorithm (RS256 unless the client chose another).
  if (c.id_token_signed_response_alg) metadata.id_token_signed_response_alg = c.id_token_signed_response_alg;
  const config = await client.discovery(new URL(baseUrl), c.client_id, metadata, clientAuth(c), {
    execute: [client.allowInsecureRequests],
  });
  config[client.customFetch] = recordingFetch;
  return config;
}

interface Checks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** An authorization URL with fresh state, nonce and (unless pkce is false) an S256 challenge. */
async function withChallenge(config: client.Configuration, scope = 'openid profile email', pkce = true) {
  const checks: Checks = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    state: checks.state,
    nonce: checks.nonce,
    ...(pkce ? { code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier), code_challenge_method: 'S256' } : {}),
  });
  return { url, checks };
}

async function exchange(config: client.Configuration, callback: URL, checks: Checks, pkce = true) {
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: pkce ? checks.codeVerifier : undefined,
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    idTokenExpected: true,
  });
}

function expectIdTokenClaims(claims: client.IDToken | undefined, c: AdminClient, user: TestUser, nonce: string) {
  expect(claims).toBeDefined();
  expect(claims!.iss).toBe(baseUrl);
  expect(claims!.sub).toBe(user.id);
  expect(claims!.nonce).toBe(nonce);
  const aud = Array.isArray(claims!.aud) ? claims!.aud : [claims!.aud];
  expect(aud).toContain(c.client_id);
  const now = Math.floor(Date.now() / 1000);
  expect(typeof claims!.auth_time).toBe('number');
  expect(claims!.auth_time!).toBeLessThanOrEqual(now + 5);
  expect(claims!.auth_time!).toBeGreaterThan(now - 600);
  expect(typeof claims!.sid).toBe('string');
  expect((claims!.sid as string).length).toBeGreaterThan(0);
  expect(typeof claims!.at_hash).toBe('string');
  expect(claims!.exp).toBeGreaterThan(now);
}

/** The OAuth error code the server answered a token request with (never a library-side check). */
async function tokenError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(client.ResponseBodyError);
  return (err as client.ResponseBodyError).error;
}

/** The server's own userinfo answer (no relying-party library in between). */
async function userinfoAt(accessToken: string): Promise<{ status: number; challenge: string | null; body: Record<string, unknown> | undefined }> {
  const res = await fetch(`${baseUrl}/userinfo`, { headers: { Authorization: `Bearer ${accessToken}` } });
  const body = res.status === 200 ? ((await res.json()) as Record<string, unknown>) : (await res.body?.cancel(), undefined);
  return { status: res.status, challenge: res.headers.get('WWW-Authenticate'), body };
}

async function fullFlow(c: AdminClient, user: TestUser, opts: { pkce?: boolean } = {}) {
  const pkce = opts.pkce ?? true;
  const config = await discover(c);
  const { url, checks } = await withChallenge(config, 'openid profile email', pkce);
  expect(url.origin + url.pathname).toBe(`${baseUrl}/authorize`);
  const browser = new Browser([baseUrl]);
  const { callback, pages } = await authorize(browser, url, { credentials: user, decision: 'allow' });
  expect(pages).toEqual(['login', 'consent']);
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
  expect(callback.searchParams.get('state')).toBe(checks.state);
  expect(callback.searchParams.get('iss')).toBe(baseUrl);
  expect(callback.searchParams.get('code')).toBeTruthy();

  const tokens = await exchange(config, callback, checks, pkce);
  // RFC 6749 §5.1: token responses must not be cached.
  expect(lastResponse.get('/token')?.headers.get('cache-control')).toContain('no-store');
  expect(tokens.token_type.toLowerCase()).toBe('bearer');
  expect(typeof tokens.access_token).toBe('string');
  expect(tokens.expires_in).toBeGreaterThan(0);
  const claims = tokens.claims();
  expectIdTokenClaims(claims, c, user, checks.nonce);

  const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
  expect(info.sub).toBe(user.id);
  expect(info.email).toBe(user.email);
  expect(info.given_name).toBe('Ada');
  expect(info.family_name).toBe('Lovelace');
  return { config, browser, tokens, claims: claims!, checks };
}

describe('authorization code flow', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await admin.createUser();
  });

  test('discovery document matches what a relying party needs', async () => {
    const c = await admin.createClient();
    const config = await discover(c);
    const md = config.serverMetadata();
    expect(md.issuer).toBe(baseUrl);
    expect(md.authorization_endpoint).toBe(`${baseUrl}/authorize`);
    expect(md.token_endpoint).toBe(`${baseUrl}/token`);
    expect(md.userinfo_endpoint).toBe(`${baseUrl}/userinfo`);
    expect(md.jwks_uri).toBeTruthy();
    expect(md.code_challenge_methods_supported).toContain('S256');
    expect(md.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']),
    );
    const jwks = (await (await fetch(md.jwks_uri!)).json()) as { keys: { kid?: string; d?: string }[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const k of jwks.keys) {
      expect(k.kid).toBeTruthy();
      expect(k.d).toBeUndefined(); // never a private key
    }
  });

  test('confidential client, client_secret_basic: login, consent, code, ID token, userinfo', async () => {
    const c = await admin.createClient({ authMethod: 'client_secret_basic' });
    expect(c.client_secret).toBeTruthy();
    const { tokens } = await fullFlow(c, user);
    // The server answers each access token with its own subject: another user's token never
    // yields this user's claims (asserted on the server's answer, not the library's sub check).
    const other = await admin.createUser();
    const { tokens: otherTokens } = await fullFlow(c, other);
    const mine = await userinfoAt(tokens.access_token);
    const theirs = await userinfoAt(otherTokens.access_token);
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    expect(mine.body!.sub).toBe(user.id);
    expect(theirs.body!.sub).toBe(other.id);
    expect(theirs.body!.email).toBe(other.email);
  });

  test('confidential client, client_secret_post', async () => {
    const c = await admin.createClient({ authMethod: 'client_secret_post' });
    expect(c.client_secret).toBeTruthy();
    await fullFlow(c, user);
  });

  test.each(['ES256', 'PS256'])('ID tokens are signed with the client\'s id_token_signed_response_alg (%s)', async (alg) => {
    const c = await admin.createClient({ authMethod: 'client_secret_basic', idTokenAlg: alg });
    const md = (await discover(c)).serverMetadata();
    expect(md.id_token_signing_alg_values_supported).toContain(alg);
    const { tokens } = await fullFlow(c, user);
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()) as { alg: string };
    expect(header.alg).toBe(alg);
  });

  test('confidential client without PKCE (nonce and state only)', async () => {
    const c = await admin.createClient({ authMethod: 'client_secret_basic' });
    await fullFlow(c, user, { pkce: false });
  });

  test('public client (auth method none) with PKCE S256', async () => {
    const c = await admin.createClient({ authMethod: 'none' });
    expect(c.client_secret).toBeUndefined();
    const { config, browser, checks } = await fullFlow(c, user);

    // A second authorization for the same client: consent was remembered, the session is reused.
    const again = await withChallenge(config);
    const { callback, pages } = await authorize(browser, again.url);
    expect(pages).toEqual([]);
    // The code is bound to its PKCE challenge: the first flow's verifier does not redeem it.
    expect(await tokenError(exchange(config, callback, { ...again.checks, codeVerifier: checks.codeVerifier }))).toBe('invalid_grant');
  });

  test('a code can be redeemed only once', async () => {
    const c = await admin.createClient();
    const config = await discover(c);
    const { url, checks } = await withChallenge(config);
    const browser = new Browser([baseUrl]);
    const { callback } = await authorize(browser, url, { credentials: user });
    await exchange(config, callback, checks);
    const err = await exchange(config, callback, checks).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect((err as client.ResponseBodyError).error).toBe('invalid_grant');
  });

  test('a replayed code revokes the access token its first use issued', async () => {
    const c = await admin.createClient({ firstParty: true });
    const config = await discover(c);
    const { url, checks } = await withChallenge(config);
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    const tokens = await exchange(config, callback, checks);
    await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(await tokenError(exchange(config, callback, checks))).toBe('invalid_grant');
    const after = await userinfoAt(tokens.access_token);
    expect(after.status).toBe(401);
    expect(after.challenge).toMatch(/error="invalid_token"/);
  });

  test('a code is bound to its client and redirect_uri', async () => {
    const a = await admin.createClient({ firstParty: true, redirectUris: [REDIRECT_URI, `${REDIRECT_URI}2`] });
    const b = await admin.createClient({ firstParty: true });
    const configA = await discover(a);
    const configB = await discover(b);
    const browser = new Browser([baseUrl]);

    const first = await withChallenge(configA);
    const flow = await authorize(browser, first.url, { credentials: user });
    const stolen = await exchange(configB, flow.callback, first.checks).then(() => undefined, (e: unknown) => e);
    expect((stolen as client.ResponseBodyError).error).toBe('invalid_grant');

    // The redirect_uri sent to /token must be the one of the authorization request.
    const second = await withChallenge(configA);
    const flow2 = await authorize(browser, second.url);
    const res = await fetch(`${baseUrl}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${encodeURIComponent(a.client_id)}:${encodeURIComponent(a.client_secret!)}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: flow2.callback.searchParams.get('code')!,
        redirect_uri: `${REDIRECT_URI}2`,
        code_verifier: second.checks.codeVerifier,
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  test('cookies: session cookie on /, one interaction cookie per interaction, named after it', async () => {
    const c = await admin.createClient();
    const config = await discover(c);
    const { url } = await withChallenge(config);
    const browser = new Browser([baseUrl]);
    const step = await browser.navigate(url);
    const interactionPath = step.page!.url.pathname;
    expect(interactionPath).toMatch(/^\/interaction\/[^/]+$/);
    // Plain names on http (loopback development); __Host-<name> on https.
    const ic = browser.jar.all().find((k) => k.name === `op_interaction_${interactionPath.split('/').pop()}`);
    expect(ic).toBeDefined();
    expect(ic!.path).toBe('/');
    expect(ic!.httpOnly).toBe(true);
    expect(browser.jar.get('op_session')).toBeUndefined();

    const { callback } = await authorize(browser, url, { credentials: user });
    expect(callback.searchParams.get('code')).toBeTruthy();
    const sc = browser.jar.all().find((k) => k.name === 'op_session');
    expect(sc).toBeDefined();
    expect(sc!.path).toBe('/');
    expect(sc!.httpOnly).toBe(true);
    expect(['lax', 'strict', undefined]).toContain(sc!.sameSite);
  });

  test('SSO: a second client in the same browser gets a code without a password', async () => {
    const first = await admin.createClient();
    const second = await admin.createClient({ authMethod: 'client_secret_post' });
    const firstParty = await admin.createClient({ firstParty: true });
    const one = await fullFlow(first, user);

    // Second client: no login form, but the user is asked for consent for this new client.
    const config2 = await discover(second);
    const req2 = await withChallenge(config2);
    const flow2 = await authorize(one.browser, req2.url, { decision: 'allow' });
    expect(flow2.pages).toEqual(['consent']);
    const tokens2 = await exchange(config2, flow2.callback, req2.checks);
    const claims2 = tokens2.claims()!;
    expectIdTokenClaims(claims2, second, user, req2.checks.nonce);
    expect(claims2.sid).toBe(one.claims.sid);
    expect(claims2.auth_time).toBe(one.claims.auth_time);

    // A first-party client skips consent: the OP redirects straight back.
    const config3 = await discover(firstParty);
    const req3 = await withChallenge(config3);
    const hopsBefore = one.browser.history.length;
    const flow3 = await authorize(one.browser, req3.url);
    expect(flow3.pages).toEqual([]);
    const hops = one.browser.history.slice(hopsBefore);
    expect(hops).toHaveLength(1);
    expect(hops[0]!.status).toBeGreaterThanOrEqual(300);
    expect(hops[0]!.status).toBeLessThan(400);
    const tokens3 = await exchange(config3, flow3.callback, req3.checks);
    const claims3 = tokens3.claims()!;
    expectIdTokenClaims(claims3, firstParty, user, req3.checks.nonce);
    expect(claims3.sid).toBe(one.claims.sid);
    expect(claims3.auth_time).toBe(one.claims.auth_time);

    // A fresh browser (no cookies) must sign in again.
    const fresh = await authorize(new Browser([baseUrl]), (await withChallenge(config3)).url, { credentials: user });
    expect(fresh.pages).toEqual(['login']);
  });

  test('a first-party client skips the consent page', async () => {
    const c = await admin.createClient({ firstParty: true });
    const config = await discover(c);
    const { url, checks } = await withChallenge(config);
    const { callback, pages } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    expect(pages).toEqual(['login']);
    const tokens = await exchange(config, callback, checks);
    expectIdTokenClaims(tokens.claims(), c, user, checks.nonce);
  });

  test('scopes limit the userinfo claims', async () => {
    const c = await admin.createClient({ firstParty: true });
    const config = await discover(c);
    const { url, checks } = await withChallenge(config, 'openid');
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    const tokens = await exchange(config, callback, checks);
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info.sub).toBe(user.id);
    expect(info.email).toBeUndefined();
    expect(info.given_name).toBeUndefined();
    expect(info.family_name).toBeUndefined();

    const profileOnly = await withChallenge(config, 'openid profile');
    const flow = await authorize(new Browser([baseUrl]), profileOnly.url, { credentials: user });
    const t2 = await exchange(config, flow.callback, profileOnly.checks);
    const info2 = await client.fetchUserInfo(config, t2.access_token, user.id);
    expect(info2.given_name).toBe('Ada');
    expect(info2.email).toBeUndefined();
  });

  test('consent denial returns access_denied with state and iss', async () => {
    const c = await admin.createClient();
    const config = await discover(c);
    const { url, checks } = await withChallenge(config);
    const { callback, pages } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'deny' });
    expect(pages).toEqual(['login', 'consent']);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(checks.state);
    expect(callback.searchParams.get('iss')).toBe(baseUrl);
    expect(callback.searchParams.get('code')).toBeNull();
    const err = await exchange(config, callback, checks).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(client.AuthorizationResponseError);
    expect((err as client.AuthorizationResponseError).error).toBe('access_denied');
  });

  test('a wrong password shows the login page again, then the right one works', async () => {
    const other = await admin.createUser();
    const c = await admin.createClient({ firstParty: true });
    const config = await discover(c);
    const { url, checks } = await withChallenge(config);
    const browser = new Browser([baseUrl]);
    const step = await browser.navigate(url);
    const page = step.page!;
    const form = page.forms.find((f) => f.action.endsWith('/login'))!;
    expect(form).toBeDefined();
    const wrong = await browser.submit(page, form, { username: other.username, password: 'wrong-password' });
    expect(wrong.left).toBeUndefined();
    expect(wrong.page!.status).toBeLessThan(500);
    const retry = wrong.page!.forms.find((f) => f.action.endsWith('/login'));
    expect(retry).toBeDefined();
    const ok = await browser.submit(wrong.page!, retry!, { username: other.username, password: other.password });
    expect(ok.left).toBeDefined();
    const tokens = await exchange(config, ok.left!, checks);
    expect(tokens.claims()!.sub).toBe(other.id);
  });
});
