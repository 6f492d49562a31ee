// Single logout end to end: RP-initiated logout through openid-client, front-channel iframes,
// and back-channel logout tokens delivered over the network to a local relying party.
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, type AdminClient, type TestUser } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';
import { TestRelyingParty } from './helpers/test_rp';

const baseUrl = inject('baseUrl');
const admin = new Admin();
const PLRU = 'http://127.0.0.1:3000/logged-out';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const rp = new TestRelyingParty();
let user: TestUser;

beforeAll(async () => {
  await rp.start();
  user = await admin.createUser();
});
afterAll(() => rp.stop());

async function logoutClient(extra: Record<string, unknown>): Promise<AdminClient> {
  return admin.request<AdminClient>('POST', '/admin/clients', {
    client_name: 'Logout test app',
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [PLRU],
    first_party: true,
    ...extra,
  });
}

/** Signs in through openid-client and returns the configuration, the browser and the ID token. */
async function signIn(c: AdminClient, browser = new Browser([baseUrl])) {
  const config = await client.discovery(new URL(baseUrl), c.client_id, c.client_secret, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state, nonce });
  const { callback } = await authorize(browser, url, { credentials: user });
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  return { config, browser, idToken: tokens.id_token!, claims: tokens.claims()! };
}

const deliveries = (clientId: string) =>
  admin.request<{ deliveries: { status: string; attempts: number; last_http_status: number | null; sid: string }[] }>('GET', `/admin/logout-deliveries?client_id=${clientId}`);

describe('single logout', () => {
  test('discovery advertises the end_session_endpoint and logout support', async () => {
    const config = await client.discovery(new URL(baseUrl), 'x', undefined, client.None(), { execute: [client.allowInsecureRequests] });
    const md = config.serverMetadata();
    expect(md.end_session_endpoint).toBe(`${baseUrl}/logout`);
    expect(md).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true, frontchannel_logout_supported: true, frontchannel_logout_session_supported: true });
  });

  test('RP-initiated logout with a hint returns with state; the relying party receives a valid logout token', async () => {
    const c = await logoutClient({ backchannel_logout_uri: `${rp.baseUrl}/bc-ok` });
    const { config, browser, idToken, claims } = await signIn(c);
    const state = client.randomState();
    const { left } = await browser.navigate(client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: PLRU, state }));
    expect(left?.origin + left!.pathname).toBe(PLRU);
    expect(left!.searchParams.get('state')).toBe(state);

    const [received] = await rp.waitFor((r) => r.some((x) => x.path === '/bc-ok'), 15_000).then((r) => r.filter((x) => x.path === '/bc-ok'));
    expect(received!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect([...received!.body.keys()]).toEqual(['logout_token']);
    const token = received!.body.get('logout_token')!;
    const jwks = createRemoteJWKSet(new URL(`${baseUrl}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: baseUrl, audience: c.client_id, typ: 'logout+jwt', maxTokenAge: 300 });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe(claims.sub);
    expect(payload.sid).toBe(claims.sid);
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120);
    expect(payload.events).toEqual({ [EVENT]: {} });
    expect(payload).not.toHaveProperty('nonce');

    // The OP session is over: prompt=none now fails.
    const again = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', prompt: 'none', state: 'x'.repeat(128) });
    const { left: back } = await browser.navigate(again);
    expect(back!.searchParams.get('error')).toBe('login_required');
    await expect.poll(async () => (await deliveries(c.client_id)).deliveries[0]?.status, { timeout: 5000 }).toBe('delivered');
  });

  test('a dynamically registered client (RFC 7591) with backchannel_logout_uri receives a logout token on logout (issue 9)', async () => {
    const { initial_access_token } = await admin.request<{ initial_access_token: string }>('POST', '/admin/registration/tokens', {});
    const config = await client.dynamicClientRegistration(
      new URL(baseUrl),
      { client_name: 'Dynamic logout app', redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [PLRU], backchannel_logout_uri: `${rp.baseUrl}/bc-dyn`, token_endpoint_auth_method: 'client_secret_post' },
      undefined,
      { initialAccessToken: initial_access_token, execute: [client.allowInsecureRequests] },
    );
    const clientId = config.clientMetadata().client_id;
    expect(config.clientMetadata().backchannel_logout_uri).toBe(`${rp.baseUrl}/bc-dyn`);
    const browser = new Browser([baseUrl]);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const { callback } = await authorize(browser, client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state, nonce }), { credentials: user, decision: 'allow' });
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const { left } = await browser.navigate(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: PLRU }));
    expect(left!.href).toBe(PLRU);
    const [received] = await rp.waitFor((r) => r.some((x) => x.path === '/bc-dyn'), 15_000).then((r) => r.filter((x) => x.path === '/bc-dyn'));
    const { payload } = await jwtVerify(received!.body.get('logout_token')!, createRemoteJWKSet(new URL(`${baseUrl}/jwks`)), { issuer: baseUrl, audience: clientId, typ: 'logout+jwt' });
    expect(payload.sub).toBe(tokens.claims()!.sub);
    expect(payload.events).toEqual({ [EVENT]: {} });
  });

  test('a relying party that fails twice (503, then 500) then succeeds gets exactly one accepted delivery, each with a fresh jti', async () => {
    rp.script('/bc-flaky', [{ status: 503 }, { status: 500 }, { status: 200 }]);
    const c = await logoutClient({ backchannel_logout_uri: `${rp.baseUrl}/bc-flaky` });
    const { config, browser, idToken } = await signIn(c);
    const { left } = await browser.navigate(client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: PLRU }));
    expect(left!.href).toBe(PLRU);
    // The OP's own record says the job is finished (no further attempt is scheduled) before the RP's log is read.
    await expect.poll(async () => (await deliveries(c.client_id)).deliveries[0]?.status, { timeout: 30_000, interval: 500 }).toBe('delivered');
    const flaky = rp.received.filter((x) => x.path === '/bc-flaky');
    expect(flaky.map((x) => x.answered)).toEqual([503, 500, 200]);
    expect(flaky.filter((x) => x.answered === 200)).toHaveLength(1);
    const jtis = flaky.map((x) => decodeJwt(x.body.get('logout_token')!).jti);
    expect(new Set(jtis).size).toBe(3);
    const { deliveries: rows } = await deliveries(c.client_id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'delivered', attempts: 3, last_http_status: 200 });
  });

  test('a slow relying party does not hold up the logout; the timed-out attempt is retried', async () => {
    rp.script('/bc-slow', [{ status: 200, delayMs: 7000 }, { status: 204 }]);
    const c = await logoutClient({ backchannel_logout_uri: `${rp.baseUrl}/bc-slow` });
    const { config, browser, idToken } = await signIn(c);
    const { left } = await browser.navigate(client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: PLRU }));
    expect(left!.href).toBe(PLRU);
    // The logout was answered before the relying party answered its first (held) delivery.
    expect(rp.received.filter((x) => x.path === '/bc-slow')).toEqual([]);
    await expect.poll(async () => (await deliveries(c.client_id)).deliveries[0], { timeout: 30_000, interval: 500 }).toMatchObject({ status: 'delivered', attempts: 2, last_http_status: 204 });
  });

  test('front-channel: the logged-out page frames the client with iss and sid, then returns to the client', async () => {
    const c = await logoutClient({ frontchannel_logout_uri: `${rp.baseUrl}/fc` });
    const { config, browser, idToken, claims } = await signIn(c);
    const { page } = await browser.navigate(client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: PLRU, state: 'fc-state' }));
    expect(page!.status).toBe(200);
    const src = /<iframe[^>]*src="([^"]+)"/.exec(page!.body)![1]!.replace(/&amp;/g, '&');
    const frame = new URL(src);
    expect(frame.origin + frame.pathname).toBe(`${rp.baseUrl}/fc`);
    expect(frame.searchParams.get('iss')).toBe(baseUrl);
    expect(frame.searchParams.get('sid')).toBe(claims.sid);
    expect(page!.headers.get('content-security-policy')).toContain(`frame-src ${rp.baseUrl}`);
    expect(page!.body).toContain(`url=${PLRU}?state=fc-state`);
  });

  test('without a hint the user confirms; the admin API lists no delivery for a client without back-channel URI', async () => {
    const c = await logoutClient({});
    const { config, browser } = await signIn(c);
    const { page } = await browser.navigate(client.buildEndSessionUrl(config, { client_id: c.client_id, post_logout_redirect_uri: PLRU, state: 'nh' }));
    expect(page!.status).toBe(200);
    const form = page!.forms.find((f) => f.action.endsWith('/logout/confirm'))!;
    const yes = form.buttons.find((b) => b.value === 'logout')!;
    const { left } = await browser.submit(page!, form, {}, yes);
    expect(left!.href).toBe(`${PLRU}?state=nh`);
    expect((await deliveries(c.client_id)).deliveries).toEqual([]);
  });
});
