// Issue 9 (Low) and issue 16 (one client model): every member dynamic registration echoes is stored
// in the columns the admin API writes and enforced like an admin-made client's; members the OP cannot
// honour are invalid_client_metadata; members it does not understand are ignored and not echoed; a
// self-declared first_party is ignored.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN, createUser, env, exchangeCode, fetchOp, type TestClient } from '../helpers';
import { LocalBrowser, authorizeQuery, expectErrorRedirect, isConsentPage, isLoginPage, openInteraction, runFlow } from '../authorize/local-helpers';
import { expectError, initialAccessToken, manage, register, registered, type Registered } from './local-helpers';

const PLRU = 'https://rp.example.test/bye';
const asTestClient = (c: Registered): TestClient => ({ client_id: c.client_id, client_secret: c.client_secret, redirect_uris: c.redirect_uris });
const adminView = async (id: string) => (await (await fetchOp(`/admin/clients/${id}`, { headers: ADMIN })).json()) as Record<string, unknown>;
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** Signs a fresh user in for the client (consenting), and returns the browser, ID token and sid. */
async function signedIn(c: Registered, scope = 'openid') {
  const user = await createUser();
  const browser = new LocalBrowser();
  const callback = await runFlow(browser, authorizeQuery(asTestClient(c), { scope }), user);
  const res = await exchangeCode(asTestClient(c), callback.searchParams.get('code')!);
  expect(res.status).toBe(200);
  const { id_token } = (await res.json()) as { id_token: string };
  return { user, browser, idToken: id_token, sid: decodeJwt(id_token).sid as string };
}

const ENFORCED = {
  post_logout_redirect_uris: [PLRU],
  frontchannel_logout_uri: 'https://rp.example.test/fc',
  frontchannel_logout_session_required: true,
  backchannel_logout_uri: 'https://rp.example.test/bc',
  backchannel_logout_session_required: true,
  default_max_age: 600,
  require_auth_time: true,
  default_acr_values: ['urn:example:mfa', '1'],
};

describe('registration metadata: one model, stored in the admin API\'s columns', () => {
  it('POST stores every echoed member where the admin API reads it; the side blob is gone', async () => {
    const c = await registered({ ...ENFORCED, 'client_name#fr': 'Appli', contacts: ['ops@rp.example.test'] });
    expect(c).toMatchObject(ENFORCED);
    expect(await adminView(c.client_id)).toMatchObject({ ...ENFORCED, 'client_name#fr': 'Appli', contacts: ['ops@rp.example.test'], first_party: false });
    const row = (await env.DB.prepare('SELECT * FROM clients WHERE id = ?').bind(c.client_id).first<Record<string, unknown>>())!;
    expect(row).not.toHaveProperty('metadata');
    expect(row).toMatchObject({ post_logout_redirect_uris: JSON.stringify([PLRU]), backchannel_logout_uri: 'https://rp.example.test/bc', default_max_age: 600, require_auth_time: 1 });
  });

  it('RFC 7592 PUT replaces them in the same columns', async () => {
    const c = await registered();
    const res = await manage(c, 'PUT', { client_id: c.client_id, redirect_uris: c.redirect_uris, ...ENFORCED, default_max_age: 60 });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await adminView(c.client_id)).toMatchObject({ ...ENFORCED, default_max_age: 60 });
  });

  it('the admin API writes the same members (one write path)', async () => {
    const res = await fetchOp('/admin/clients', { method: 'POST', headers: ADMIN, body: JSON.stringify({ client_name: 'Admin app', redirect_uris: ['https://rp.example.test/cb'], ...ENFORCED }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject(ENFORCED);
  });

  for (const method of ['POST', 'PUT'] as const) {
    it(`${method}: a member the OP does not understand is ignored, neither stored nor echoed`, async () => {
      const extra = { made_up_member: 'x', 'https://example.test/ext': { a: 1 } };
      const c = method === 'POST' ? await registered(extra) : await registered();
      const body = method === 'POST' ? c : ((await (await manage(c, 'PUT', { client_id: c.client_id, redirect_uris: c.redirect_uris, ...extra })).json()) as Record<string, unknown>);
      expect(body).not.toHaveProperty('made_up_member');
      expect(body).not.toHaveProperty('https://example.test/ext');
      const read = (await (await manage(c, 'GET')).json()) as Record<string, unknown>;
      expect(JSON.stringify(read)).not.toContain('made_up_member');
    });

    for (const [name, member] of [
      ['encrypted ID tokens', { id_token_encrypted_response_alg: 'RSA-OAEP' }],
      ['encrypted userinfo', { userinfo_encrypted_response_alg: 'RSA-OAEP' }],
      ['encrypted request objects', { request_object_encryption_alg: 'RSA-OAEP', request_object_encryption_enc: 'A128GCM' }],
      ['an http request_uri', { request_uris: ['http://rp.example.test/r'] }],
      ['an unsupported response type', { response_types: ['code idtoken'] }],
      ['an unsupported grant type', { grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] }],
      ['an unsupported authentication method', { token_endpoint_auth_method: 'tls_client_auth' }],
      ['an unsupported subject_type', { subject_type: 'ephemeral' }],
    ] as const) {
      it(`${method}: ${name} -> invalid_client_metadata, nothing stored`, async () => {
        if (method === 'POST') {
          const { initial_access_token } = await initialAccessToken();
          await expectError(await register({ client_name: 'X', redirect_uris: ['https://rp.example.test/cb'], ...member }, initial_access_token), 400, 'invalid_client_metadata');
          return;
        }
        const c = await registered({ client_name: 'Before' });
        await expectError(await manage(c, 'PUT', { client_id: c.client_id, redirect_uris: c.redirect_uris, client_name: 'After', ...member }), 400, 'invalid_client_metadata');
        expect((await adminView(c.client_id)).client_name).toBe('Before');
      });
    }
  }
});

describe('registration metadata is enforced like an admin-made client\'s', () => {
  it('post_logout_redirect_uris: RP-initiated logout redirects to the registered URI', async () => {
    const c = await registered({ post_logout_redirect_uris: [PLRU] });
    const { browser, idToken, sid } = await signedIn(c);
    const res = await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU, state: 's' })}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${PLRU}?state=s`);
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions WHERE sid = ?').bind(sid).first<{ n: number }>())!.n).toBe(0);
  });

  it('frontchannel_logout_uri: the logout page frames it with iss and sid', async () => {
    const c = await registered({ post_logout_redirect_uris: [PLRU], frontchannel_logout_uri: 'https://rp.example.test/fc', frontchannel_logout_session_required: true });
    const { browser, idToken, sid } = await signedIn(c);
    const res = await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU })}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const frame = [...html.matchAll(/<iframe[^>]*src="([^"]+)"/g)].map((m) => new URL(m[1]!.replace(/&amp;/g, '&')))[0];
    expect(frame?.origin + frame!.pathname).toBe('https://rp.example.test/fc');
    expect(frame!.searchParams.get('sid')).toBe(sid);
  });

  it('backchannel_logout_uri: logout queues a logout token delivery to the registered URI', async () => {
    const c = await registered({ post_logout_redirect_uris: [PLRU], backchannel_logout_uri: 'https://rp.example.test/bc' });
    const { browser, idToken, sid } = await signedIn(c);
    expect((await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU })}`)).status).toBe(303);
    const list = await fetchOp(`/admin/logout-deliveries?client_id=${c.client_id}`, { headers: ADMIN });
    const { deliveries } = (await list.json()) as { deliveries: Record<string, unknown>[] };
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ client_id: c.client_id, sid, uri: 'https://rp.example.test/bc' });
  });

  it('default_max_age: a session older than it needs a new sign-in when the request has no max_age (OIDC Core §3.1.2.1)', async () => {
    const c = await registered({ default_max_age: 600 });
    const { browser, sid } = await signedIn(c);
    // The sign-in happened an hour ago.
    await env.DB.prepare('UPDATE sessions SET auth_time = auth_time - 3600 WHERE sid = ?').bind(sid).run();
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(asTestClient(c), { prompt: 'none' })}`), 'login_required');
    // A max_age in the request wins over the default.
    const res = await browser.get(`/authorize?${authorizeQuery(asTestClient(c), { prompt: 'none', max_age: '7200' })}`);
    expect(new URL(res.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
  });

  it('require_auth_time and default_acr_values: the ID token carries auth_time and the default acr satisfied', async () => {
    const c = await registered({ require_auth_time: true, default_acr_values: ['urn:example:mfa', '1'] });
    const { idToken } = await signedIn(c);
    const claims = decodeJwt(idToken);
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.acr).toBe('1');
  });
});

describe('a self-declared first_party is ignored: the consent page is still shown', () => {
  async function reachesConsent(c: Registered): Promise<void> {
    const user = await createUser();
    const browser = new LocalBrowser();
    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(asTestClient(c)));
    expect(isLoginPage(html)).toBe(true);
    const res = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    const next = res.headers.get('Location')!;
    expect(next.startsWith('/interaction/')).toBe(true);
    expect(isConsentPage(await (await browser.get(next)).text())).toBe(true);
  }

  it('registration POST with first_party: true', async () => {
    const c = await registered({ first_party: true });
    expect(c).not.toHaveProperty('first_party');
    expect((await adminView(c.client_id)).first_party).toBe(false);
    await reachesConsent(c);
  });

  it('RFC 7592 PUT with first_party: true', async () => {
    const c = await registered();
    const res = await manage(c, 'PUT', { client_id: c.client_id, redirect_uris: c.redirect_uris, first_party: true });
    expect(res.status).toBe(200);
    expect(await res.json()).not.toHaveProperty('first_party');
    expect((await adminView(c.client_id)).first_party).toBe(false);
    await reachesConsent(c);
  });
});
