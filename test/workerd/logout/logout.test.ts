import { decodeJwt } from 'jose';
import { signingKey } from '../../../src/keys/keystore';
import { signIdToken } from '../../../src/tokens/id_token';
import { describe, expect, it } from 'vitest';
import { ADMIN, ISSUER, createClient, createUser, csrfOf, env, exchangeCode, fetchOp, type TestClient } from '../helpers';
import { LocalBrowser, authorizeQuery, expectErrorRedirect, openInteraction, runFlow } from '../authorize/local-helpers';

const PLRU = 'https://rp.example.test/logged-out';

async function signedIn(clientOverrides: Record<string, unknown> = {}, opts: { remember?: boolean } = {}) {
  const user = await createUser();
  const client = await createClient({ first_party: true, post_logout_redirect_uris: [PLRU], ...clientOverrides });
  const browser = new LocalBrowser();
  let callback: URL;
  if (opts.remember) {
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    const res = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password, remember: '1' });
    callback = new URL(res.headers.get('Location')!);
  } else callback = await runFlow(browser, authorizeQuery(client), user);
  const tokens = (await (await exchangeCode(client, callback.searchParams.get('code')!)).json()) as { id_token: string };
  return { user, client, browser, idToken: tokens.id_token, sid: decodeJwt(tokens.id_token).sid as string };
}

const sessionRows = async (sid: string) => (await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions WHERE sid = ?').bind(sid).first<{ n: number }>())!.n;
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** An error page (400) or the confirmation page (200): never a redirect; an error page never links to the URI. */
async function expectNoRedirectPage(res: Response, status = 400): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Location')).toBeNull();
  expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
  const html = await res.text();
  if (status === 400) expect(html).not.toContain(PLRU);
  else expect(html).not.toContain(`href="${PLRU}`);
  return html;
}

describe('RP-Initiated Logout 1.0: end_session_endpoint', () => {
  it('is advertised with front- and back-channel support', async () => {
    const meta = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      end_session_endpoint: `${ISSUER}/logout`,
      frontchannel_logout_supported: true,
      frontchannel_logout_session_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
  });

  it('with id_token_hint, a registered post_logout_redirect_uri and state: ends the session and returns with exactly state', async () => {
    const { client, browser, idToken, sid } = await signedIn();
    const state = 'abcXYZ0123!"#$%&\'()*,-./:<=>?@[\\]^_`{|}~';
    const res = await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU, state })}`);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('Location')!);
    expect(location.origin + location.pathname).toBe(PLRU);
    expect([...location.searchParams.keys()]).toEqual(['state']);
    expect(location.searchParams.get('state')).toBe(state);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('__Host-op_session=') && /max-age=0/i.test(c))).toBe(true);
    expect(await sessionRows(sid)).toBe(0);
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`), 'login_required');
  });

  it('revokes the session\'s grants (their access tokens stop working) but keeps offline_access ones', async () => {
    const user = await createUser();
    const client = await createClient({ first_party: true, post_logout_redirect_uris: [PLRU], grant_types: ['authorization_code', 'refresh_token'] });
    const browser = new LocalBrowser();
    const online = (await (await exchangeCode(client, (await runFlow(browser, authorizeQuery(client), user)).searchParams.get('code')!)).json()) as { access_token: string; id_token: string };
    const offline = (await (await exchangeCode(client, (await runFlow(browser, authorizeQuery(client, { scope: 'openid offline_access' }), user)).searchParams.get('code')!)).json()) as { access_token: string; refresh_token: string };
    const userinfo = (token: string) => fetchOp('/userinfo', { headers: { Authorization: `Bearer ${token}` } });
    expect((await userinfo(online.access_token)).status).toBe(200);
    await browser.get(`/logout?${q({ id_token_hint: online.id_token, post_logout_redirect_uri: PLRU })}`);
    expect((await userinfo(online.access_token)).status).toBe(401);
    expect((await userinfo(offline.access_token)).status).toBe(200);
    expect(offline.refresh_token).toBeTruthy();
  });

  it('POST works like GET, and without state nothing is added to the URI', async () => {
    const { browser, idToken } = await signedIn();
    const res = await browser.post('/logout', { id_token_hint: idToken, post_logout_redirect_uri: PLRU });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(PLRU);
  });

  it('an expired hint still logs out (the spec accepts expired hints)', async () => {
    const { client, user, browser, sid } = await signedIn();
    const key = await signingKey(env, 'RS256');
    const expired = await signIdToken({ issuer: ISSUER, subject: user.id, clientId: client.client_id, authTime: 1, sid, amr: ['pwd'], issuedAt: Math.floor(Date.now() / 1000) - 7200, lifetime: 60 }, key);
    const res = await browser.get(`/logout?${q({ id_token_hint: expired, post_logout_redirect_uri: PLRU })}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(PLRU);
    expect(await sessionRows(sid)).toBe(0);
  });

  it('a POST without our cookies (a cross-site form post) is sent on as a GET, where the Lax session cookie comes along', async () => {
    const { browser, idToken, sid } = await signedIn();
    const res = await fetchOp('/logout', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU, state: 'a b&c' }) });
    expect(res.status).toBe(303);
    const next = res.headers.get('Location')!;
    expect(next.startsWith('/logout?')).toBe(true);
    expect(new URLSearchParams(next.slice(8)).get('state')).toBe('a b&c');
    expect(await sessionRows(sid)).toBe(1);
    const done = await browser.get(next);
    expect(done.headers.get('Location')).toBe(`${PLRU}?state=a+b%26c`);
    expect(await sessionRows(sid)).toBe(0);
  });

  for (const [name, params] of [
    ['an unregistered post_logout_redirect_uri', (t: string) => ({ id_token_hint: t, post_logout_redirect_uri: 'https://rp.example.test/elsewhere', state: 's' })],
    ['a registered URI with a query added', (t: string) => ({ id_token_hint: t, post_logout_redirect_uri: `${PLRU}?foo=bar`, state: 's' })],
    ['an alg=none hint', (t: string) => ({ id_token_hint: `${btoa('{"alg":"none"}').replace(/=+$/, '')}.${t.split('.')[1]}.`, post_logout_redirect_uri: PLRU })],
    ['a hint with a broken signature', (t: string) => ({ id_token_hint: `${t.slice(0, -4)}AAAA`, post_logout_redirect_uri: PLRU })],
    ['a post_logout_redirect_uri without hint or client_id', () => ({ post_logout_redirect_uri: PLRU, state: 's' })],
    ['an unknown client_id', () => ({ client_id: 'nope', post_logout_redirect_uri: PLRU })],
  ] as const) {
    it(`${name}: an error page, no redirect, and the session stays`, async () => {
      const { browser, idToken, sid } = await signedIn();
      await expectNoRedirectPage(await browser.get(`/logout?${q(params(idToken))}`));
      expect(await sessionRows(sid)).toBe(1);
    });
  }

  it('client_id that is not an audience of the hint is refused', async () => {
    const { browser, idToken } = await signedIn();
    const other = await createClient({ post_logout_redirect_uris: [PLRU] });
    await expectNoRedirectPage(await browser.get(`/logout?${q({ id_token_hint: idToken, client_id: other.client_id, post_logout_redirect_uri: PLRU })}`));
  });

  it('without a hint: a confirmation page with csrf; confirming ends the session and returns to the registered URI', async () => {
    const { client, browser, sid } = await signedIn();
    const page = await browser.get(`/logout?${q({ client_id: client.client_id, post_logout_redirect_uri: PLRU, state: 'st' })}`);
    const html = await expectNoRedirectPage(page, 200);
    expect(html).toContain('action="/logout/confirm"');
    expect(await sessionRows(sid)).toBe(1);
    const csrf = csrfOf(html);
    const form = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));

    const forged = await browser.post('/logout/confirm', { ...form, csrf: 'forged', decision: 'logout' });
    expect(forged.status).toBe(403);
    expect(await sessionRows(sid)).toBe(1);

    const res = await browser.post('/logout/confirm', { ...form, csrf, decision: 'logout' });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${PLRU}?state=st`);
    expect(await sessionRows(sid)).toBe(0);
  });

  it('"Stay signed in" keeps the session; a tampered post_logout_redirect_uri in the form is refused', async () => {
    const { client, browser, sid } = await signedIn();
    const html = await (await browser.get(`/logout?${q({ client_id: client.client_id })}`)).text();
    const csrf = csrfOf(html);
    const stay = await browser.post('/logout/confirm', { csrf, client_id: client.client_id, decision: 'stay' });
    expect(stay.status).toBe(200);
    expect(await stay.text()).toContain('still signed in');
    expect(await sessionRows(sid)).toBe(1);
    const html2 = await (await browser.get(`/logout?${q({ client_id: client.client_id })}`)).text();
    await expectNoRedirectPage(await browser.post('/logout/confirm', { csrf: csrfOf(html2), client_id: client.client_id, post_logout_redirect_uri: 'https://evil.example/x', decision: 'logout' }));
    expect(await sessionRows(sid)).toBe(1);
  });

  it('no parameters: confirm, then the logged-out page; without a session it says so at once', async () => {
    const { browser, sid } = await signedIn();
    const html = await (await browser.get('/logout')).text();
    const done = await browser.post('/logout/confirm', { csrf: csrfOf(html), sid, decision: 'logout' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are signed out');
    expect(await sessionRows(sid)).toBe(0);
    const again = await new LocalBrowser().get('/logout');
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('You are signed out');
  });

  it('a remembered session asks for confirmation even with a valid hint', async () => {
    const { browser, idToken, sid } = await signedIn({}, { remember: true });
    const page = await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU })}`);
    const html = await expectNoRedirectPage(page, 200);
    expect(html).toContain('remember you');
    const done = await browser.post('/logout/confirm', { csrf: csrfOf(html), client_id: decodeJwt(idToken).aud as string, post_logout_redirect_uri: PLRU, sid, decision: 'logout' });
    expect(done.status).toBe(303);
    expect(await sessionRows(sid)).toBe(0);
  });

  it('with several accounts in the browser, the hint\'s session is the one that ends', async () => {
    const { client, browser, idToken, sid } = await signedIn();
    const bob = await createUser();
    await runFlow(browser, authorizeQuery(client, { prompt: 'login' }), bob);
    const bobSid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(bob.id).first<{ sid: string }>())!.sid;
    const res = await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU })}`);
    expect(res.status).toBe(303);
    expect(await sessionRows(sid)).toBe(0);
    expect(await sessionRows(bobSid)).toBe(1);
    // Bob is still signed in here.
    expect(new URL((await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`)).headers.get('Location')!).searchParams.get('code')).toBeTruthy();
  });

  it('ui_locales picks the language of the logout pages', async () => {
    const { browser } = await signedIn();
    const html = await (await browser.get('/logout?ui_locales=fr')).text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Se déconnecter');
  });
});

describe('Front-Channel and Back-Channel Logout', () => {
  it('renders an iframe with iss and sid for every front-channel client of the session, allowed by CSP on that page only', async () => {
    const { user, browser, idToken, sid } = await signedIn({ frontchannel_logout_uri: 'https://rp.example.test/fc?x=1' });
    const second = await createClient({ first_party: true, frontchannel_logout_uri: 'https://other.example.test/logout' });
    await runFlow(browser, authorizeQuery(second), user);
    const res = await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU, state: 's1' })}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('Content-Security-Policy')!;
    const frameSrc = /frame-src ([^;]+)/.exec(csp)![1]!.split(' ').sort();
    expect(frameSrc).toEqual(['https://other.example.test', 'https://rp.example.test']);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    const frames = [...html.matchAll(/<iframe[^>]*src="([^"]+)"/g)].map((m) => new URL(m[1]!.replace(/&amp;/g, '&')));
    expect(frames.map((u) => u.origin + u.pathname).sort()).toEqual(['https://other.example.test/logout', 'https://rp.example.test/fc']);
    for (const f of frames) {
      expect(f.searchParams.get('iss')).toBe(ISSUER);
      expect(f.searchParams.get('sid')).toBe(sid);
    }
    expect(frames.find((f) => f.hostname === 'rp.example.test')!.searchParams.get('x')).toBe('1');
    expect(html).toContain(`content="2;url=${PLRU}?state=s1"`);
    expect(html).toContain(`href="${PLRU}?state=s1"`);
    // Other pages keep the strict policy.
    expect((await fetchOp('/logout')).headers.get('Content-Security-Policy')).not.toContain('frame-src');
  });

  it('queues one back-channel delivery per back-channel client of the session, recorded for the operator', async () => {
    const { client, browser, idToken, sid, user } = await signedIn({ backchannel_logout_uri: 'http://127.0.0.1:1/bc' });
    const res = await browser.get(`/logout?${q({ id_token_hint: idToken, post_logout_redirect_uri: PLRU })}`);
    expect(res.status).toBe(303);
    const list = await fetchOp(`/admin/logout-deliveries?client_id=${client.client_id}`, { headers: ADMIN });
    expect(list.status).toBe(200);
    const { deliveries } = (await list.json()) as { deliveries: Record<string, unknown>[] };
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ client_id: client.client_id, sid, sub: user.id, uri: 'http://127.0.0.1:1/bc' });
    expect(['pending', 'failed']).toContain(deliveries[0]!.status);
  });
});

describe('admin: client logout metadata', () => {
  const patch = (c: TestClient | { client_id: string }, body: unknown) =>
    fetchOp(`/admin/clients/${c.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify(body) });

  it('sets and shows the URIs on create and update', async () => {
    const client = await createClient({ post_logout_redirect_uris: [PLRU], backchannel_logout_uri: 'https://rp.example.test/bc' });
    expect(client).toMatchObject({ post_logout_redirect_uris: [PLRU], backchannel_logout_uri: 'https://rp.example.test/bc', backchannel_logout_session_required: true });
    const res = await patch(client, { frontchannel_logout_uri: 'https://rp.example.test/fc', post_logout_redirect_uris: [PLRU, 'http://127.0.0.1:9/out'], initiate_login_uri: 'https://rp.example.test/login' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      post_logout_redirect_uris: [PLRU, 'http://127.0.0.1:9/out'],
      frontchannel_logout_uri: 'https://rp.example.test/fc',
      backchannel_logout_uri: 'https://rp.example.test/bc',
      initiate_login_uri: 'https://rp.example.test/login',
    });
  });

  for (const body of [{ frontchannel_logout_uri: 'http://rp.example.test/fc' }, { backchannel_logout_uri: 'https://rp.example.test/bc#x' }, { post_logout_redirect_uris: 'x' }, [], { backchannel_logout_session_required: 'yes' }]) {
    it(`refuses ${JSON.stringify(body)} with invalid_request`, async () => {
      const client = await createClient();
      const res = await patch(client, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    });
  }

  it('404 for an unknown client; deliveries filter is validated', async () => {
    expect((await patch({ client_id: 'nope' }, { initiate_login_uri: 'https://x.example/l' })).status).toBe(404);
    expect((await fetchOp('/admin/logout-deliveries?status=bogus', { headers: ADMIN })).status).toBe(400);
    expect((await fetchOp('/admin/logout-deliveries')).status).toBe(401);
  });
});
