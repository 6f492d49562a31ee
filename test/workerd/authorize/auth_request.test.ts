import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { signingKey } from '../../../src/keys/keystore';
import { signIdToken } from '../../../src/tokens/id_token';
import { ISSUER, createClient, createUser, csrfOf, env, exchangeCode, fetchOp, type TestClient } from '../helpers';
import { LocalBrowser, alertOf, authorizeQuery, expectErrorRedirect, isConsentPage, isLoginPage, openInteraction, runFlow } from './local-helpers';

const codeOf = (res: Response) => new URL(res.headers.get('Location')!).searchParams.get('code');

async function tokensFor(client: TestClient, callback: URL): Promise<{ id_token: string; access_token: string }> {
  const res = await exchangeCode(client, callback.searchParams.get('code')!);
  expect(res.status).toBe(200);
  return res.json();
}

/** Follows 303s on the OP until a page (200) or the client's redirect_uri. */
async function follow(browser: LocalBrowser, res: Response): Promise<Response> {
  while ([302, 303].includes(res.status) && res.headers.get('Location')!.startsWith('/')) res = await browser.get(res.headers.get('Location')!);
  return res;
}

describe('POST /authorize from another site', () => {
  it('prompt=none without our cookies continues as a GET, where the session answers silently', async () => {
    const ada = await createUser();
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    const query = authorizeQuery(client, { prompt: 'none' });
    const crossSite = await fetchOp('/authorize', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: query });
    expect(crossSite.status).toBe(303);
    const followed = await browser.get(crossSite.headers.get('Location')!);
    expect(codeOf(followed)).toBeTruthy();
    // With the cookie (a same-site POST) it answers at once.
    expect(codeOf(await browser.post('/authorize', Object.fromEntries(new URLSearchParams(query))))).toBeTruthy();
  });
});

describe('prompt=create and self-service sign-up', () => {
  it('shows the sign-up page, creates the account and continues the request to consent and a code', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'create', scope: 'openid profile email' }));
    expect(html).toContain(`action="${path}/signup"`);
    expect(html).toContain('name="password_confirm"');
    const username = `new${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const form = { csrf, username, email: `${username}@example.test`, given_name: 'Grace', family_name: 'Hopper', password: 'a long and fresh passphrase', password_confirm: 'a long and fresh passphrase' };
    const created = await browser.post(`${path}/signup`, form);
    expect(created.status).toBe(303);
    expect(browser.hasCookie('__Host-op_session')).toBe(true);
    const consent = await follow(browser, created);
    const consentHtml = await consent.text();
    expect(isConsentPage(consentHtml)).toBe(true);
    const done = await browser.post(`${path}/consent`, { csrf: csrfOf(consentHtml), decision: 'allow' });
    const callback = new URL(done.headers.get('Location')!);
    expect(callback.searchParams.get('state')).toBe('st-789');
    const tokens = await tokensFor(client, callback);
    const user = await env.DB.prepare('SELECT id, claims FROM users WHERE username = ?').bind(username).first<{ id: string; claims: string }>();
    expect(decodeJwt(tokens.id_token).sub).toBe(user!.id);
    expect(JSON.parse(user!.claims)).toMatchObject({ given_name: 'Grace', family_name: 'Hopper', email_verified: false });
    const info = await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).json();
    expect(info).toMatchObject({ name: 'Grace Hopper', email: `${username}@example.test` });

    // A second sign-up with the same username or email gets one generic message and creates nothing.
    const b2 = new LocalBrowser();
    const second = await openInteraction(b2, authorizeQuery(client, { prompt: 'create' }));
    const dup = await b2.post(`${second.path}/signup`, { ...form, csrf: second.csrf, email: `fresh${Date.now()}@example.test` });
    expect(dup.status).toBe(400);
    const dupEmail = await b2.post(`${second.path}/signup`, { ...form, csrf: second.csrf, username: `${username}z` });
    expect(dupEmail.status).toBe(400);
    expect(alertOf(await dup.text())).toBe(alertOf(await dupEmail.text()));
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE email = ?').bind(`${username}@example.test`).first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it('refuses weak passwords, mismatched confirmation and a missing csrf, keeping what was typed', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'create' }));
    const base = { csrf, username: `weak${Date.now().toString(36)}`, email: `weak${Date.now()}@example.test`, given_name: 'A', family_name: 'B' };
    for (const [password, confirm] of [['short', 'short'], ['1234567890', '1234567890'], [`${base.username}!!`, `${base.username}!!`], ['aaaaaaaaaaaa', 'aaaaaaaaaaaa'], ['a fine long passphrase', 'another one entirely']]) {
      const res = await browser.post(`${path}/signup`, { ...base, password: password!, password_confirm: confirm! });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(alertOf(html)).toBeTruthy();
      expect(html).toContain(`value="${base.email}"`);
      // Passwords are never sent back into the form.
      expect(html).not.toMatch(/name="password(_confirm)?"[^>]*value=/);
    }
    const noCsrf = await browser.post(`${path}/signup`, { ...base, csrf: '', password: 'a fine long passphrase', password_confirm: 'a fine long passphrase' });
    expect(noCsrf.status).toBe(403);
    expect(browser.hasCookie('__Host-op_session')).toBe(false);
  });

  it('throttles sign-ups per client IP, taken names included: the 11th in an hour is 429 with Retry-After', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'create' }));
    const taken = await createUser();
    const form = { csrf, username: taken.username, email: `probe${Date.now()}@example.test`, given_name: 'P', family_name: 'Q', password: 'a long probing passphrase', password_confirm: 'a long probing passphrase' };
    for (let i = 0; i < 10; i++) expect((await browser.post(`${path}/signup`, form)).status).toBe(400);
    const blocked = await browser.post(`${path}/signup`, { ...form, username: `free${Date.now().toString(36)}` });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(alertOf(await blocked.text())).toMatch(/Too many sign-up attempts/);
  });

  it('links the sign-in page to sign-up, and sign-up back to sign-in', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, html } = await openInteraction(browser, authorizeQuery(client));
    expect(html).toContain(`href="${path}/signup"`);
    const signup = await browser.get(`${path}/signup`);
    expect(signup.status).toBe(200);
    expect(await signup.text()).toContain(`href="${path}/login"`);
    const login = await browser.get(`${path}/login`);
    expect(isLoginPage(await login.text())).toBe(true);
  });
});

describe('prompt=select_account: several accounts in one browser', () => {
  it('lists the accounts signed in to this browser and continues with the chosen one', async () => {
    const [ada, bob] = [await createUser(), await createUser({ given_name: 'Bob', family_name: 'Builder' })];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    await runFlow(browser, authorizeQuery(client, { prompt: 'login' }), bob);

    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account' }));
    expect(html).toContain('Ada Lovelace');
    expect(html).toContain('Bob Builder');
    const sids = [...html.matchAll(/name="account" value="([^"]+)"/g)].map((m) => m[1]);
    expect(sids).toContain('new');
    const adaSid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(ada.id).first<{ sid: string }>())!.sid;
    expect(sids).toContain(adaSid);

    const chosen = await browser.post(`${path}/select`, { csrf, account: adaSid });
    expect(chosen.status).toBe(303);
    const tokens = await tokensFor(client, new URL(chosen.headers.get('Location')!));
    expect(decodeJwt(tokens.id_token).sub).toBe(ada.id);
    expect(decodeJwt(tokens.id_token).sid).toBe(adaSid);
    // Ada's session is now the current one: plain SSO continues as Ada.
    const sso = await browser.get(`/authorize?${authorizeQuery(client)}`);
    expect(decodeJwt((await tokensFor(client, new URL(sso.headers.get('Location')!))).id_token).sub).toBe(ada.id);
  });

  it('refuses a sid that belongs to another browser, and "Use another account" leads to the sign-in page', async () => {
    const [ada, eve] = [await createUser(), await createUser()];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    const other = new LocalBrowser();
    await runFlow(other, authorizeQuery(client), eve);
    const eveSid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(eve.id).first<{ sid: string }>())!.sid;

    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account' }));
    const stolen = await browser.post(`${path}/select`, { csrf, account: eveSid });
    expect(stolen.status).toBe(303);
    expect(stolen.headers.get('Location')).toBe(path);
    const again = await (await browser.get(path)).text();
    expect(again).toContain('name="account"');

    const add = await browser.post(`${path}/select`, { csrf, account: 'new' });
    const login = await (await follow(browser, add)).text();
    expect(isLoginPage(login)).toBe(true);
  });

  it('prompt="select_account login" chooses, then asks for the password; without a session it goes straight to sign-in', async () => {
    const ada = await createUser();
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    const sid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(ada.id).first<{ sid: string }>())!.sid;
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account login' }));
    const chosen = await follow(browser, await browser.post(`${path}/select`, { csrf, account: sid }));
    expect(isLoginPage(await chosen.text())).toBe(true);

    const fresh = await openInteraction(new LocalBrowser(), authorizeQuery(client, { prompt: 'select_account' }));
    expect(isLoginPage(fresh.html)).toBe(true);
  });

  it('after the current account signs out, the chooser still offers the browser\'s other account', async () => {
    const [ada, bob] = [await createUser(), await createUser()];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    const bobTokens = await tokensFor(client, await runFlow(browser, authorizeQuery(client, { prompt: 'login' }), bob));
    const out = await browser.get(`/logout?${new URLSearchParams({ id_token_hint: bobTokens.id_token })}`);
    expect(out.status).toBe(200);
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`), 'login_required');
    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account' }));
    const sids = [...html.matchAll(/name="account" value="([^"]+)"/g)].map((m) => m[1]);
    expect(sids).toHaveLength(2); // Ada's session, and "new"
    const chosen = await browser.post(`${path}/select`, { csrf, account: sids.find((s) => s !== 'new')! });
    expect(decodeJwt((await tokensFor(client, new URL(chosen.headers.get('Location')!))).id_token).sub).toBe(ada.id);
  });

  it('prompt="login consent" asks for both even with a session and remembered consent', async () => {
    const ada = await createUser();
    const client = await createClient();
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'login consent' }));
    expect(isLoginPage(html)).toBe(true);
    const next = await follow(browser, await browser.post(`${path}/login`, { csrf, username: ada.username, password: ada.password }));
    expect(isConsentPage(await next.text())).toBe(true);
  });
});

async function idTokenFor(client: TestClient, user: { id: string }, opts: { sid?: string; issuedAt?: number; lifetime?: number; issuer?: string } = {}) {
  return signIdToken(
    { issuer: opts.issuer ?? ISSUER, subject: user.id, clientId: client.client_id, authTime: 1, sid: opts.sid ?? 'x', amr: ['pwd'], issuedAt: opts.issuedAt ?? Math.floor(Date.now() / 1000), lifetime: opts.lifetime ?? 3600 },
    await signingKey(env, 'RS256'),
  );
}

describe('id_token_hint', () => {
  it('same user with prompt=none: a code; the hint may be expired', async () => {
    const ada = await createUser();
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const first = await tokensFor(client, await runFlow(browser, authorizeQuery(client), ada));
    const res = await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', id_token_hint: first.id_token })}`);
    expect(codeOf(res)).toBeTruthy();
    const expired = await idTokenFor(client, ada, { issuedAt: Math.floor(Date.now() / 1000) - 7200, lifetime: 60 });
    expect(codeOf(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', id_token_hint: expired })}`))).toBeTruthy();
  });

  it('another user than the session: login_required with prompt=none, else the sign-in page, which only accepts that user', async () => {
    const [ada, bob] = [await createUser(), await createUser()];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    const hint = await idTokenFor(client, bob);
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', id_token_hint: hint })}`), 'login_required');
    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(client, { id_token_hint: hint }));
    expect(isLoginPage(html)).toBe(true);
    const wrong = await browser.post(`${path}/login`, { csrf, username: ada.username, password: ada.password });
    expect(wrong.status).toBe(400);
    expect(alertOf(await wrong.text())).toMatch(/different account/);
    const right = await browser.post(`${path}/login`, { csrf, username: bob.username, password: bob.password });
    const tokens = await tokensFor(client, new URL(right.headers.get('Location')!));
    expect(decodeJwt(tokens.id_token).sub).toBe(bob.id);
  });

  it('a hint for another account signed in to this browser answers from that account without a page', async () => {
    const [ada, bob] = [await createUser(), await createUser()];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const adaTokens = await tokensFor(client, await runFlow(browser, authorizeQuery(client), ada));
    await runFlow(browser, authorizeQuery(client, { prompt: 'login' }), bob);
    const res = await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', id_token_hint: adaTokens.id_token })}`);
    const id = decodeJwt((await tokensFor(client, new URL(res.headers.get('Location')!))).id_token);
    expect(id.sub).toBe(ada.id);
    expect(id.sid).toBe(decodeJwt(adaTokens.id_token).sid);
    // The browser's current account is still Bob.
    const sso = await browser.get(`/authorize?${authorizeQuery(client)}`);
    expect(decodeJwt((await tokensFor(client, new URL(sso.headers.get('Location')!))).id_token).sub).toBe(bob.id);
  });

  it('a hint that is not ours, for another client, or tampered with is invalid_request', async () => {
    const ada = await createUser();
    const [client, other] = [await createClient({ first_party: true }), await createClient()];
    const good = await idTokenFor(client, ada);
    const [h, p] = good.split('.');
    const none = `${btoa(JSON.stringify({ alg: 'none' })).replace(/=+$/, '')}.${p}.`;
    const tampered = `${h}.${btoa(JSON.stringify({ ...decodeJwt(good), sub: 'someone-else' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.${good.split('.')[2]}`;
    for (const hint of ['not.a.jwt', none, tampered, await idTokenFor(other, ada), await idTokenFor(client, ada, { issuer: 'https://evil.example' })]) {
      expectErrorRedirect(await new LocalBrowser().get(`/authorize?${authorizeQuery(client, { id_token_hint: hint })}`), 'invalid_request');
    }
  });
});

describe('claims request parameter (OIDC Core §5.5) and acr', () => {
  it('puts requested claims in the ID token and userinfo, beyond the scopes, and the acr', async () => {
    const ada = await createUser();
    const client = await createClient();
    const claims = JSON.stringify({ id_token: { name: { essential: true }, email: null, acr: { values: ['2', '1'] } }, userinfo: { family_name: null } });
    const tokens = await tokensFor(client, await runFlow(new LocalBrowser(), authorizeQuery(client, { scope: 'openid', claims }), ada));
    const id = decodeJwt(tokens.id_token);
    expect(id).toMatchObject({ name: 'Ada Lovelace', email: `${ada.username}@example.test`, acr: '1' });
    expect(id).not.toHaveProperty('family_name');
    const info = (await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ sub: ada.id, family_name: 'Lovelace' });
    expect(info).not.toHaveProperty('email');
  });

  it('asks for consent to the claims asked for one by one', async () => {
    const ada = await createUser();
    const client = await createClient();
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client, { scope: 'openid' }), ada);
    const { html } = await openInteraction(browser, authorizeQuery(client, { scope: 'openid', claims: '{"userinfo":{"phone_number":null}}' }));
    expect(isConsentPage(html)).toBe(true);
    expect(html).toContain('Your phone number');
  });

  it('a sub value constrains the user like an id_token_hint', async () => {
    const [ada, bob] = [await createUser(), await createUser()];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    const claims = (sub: string) => JSON.stringify({ id_token: { sub: { value: sub } } });
    expect(codeOf(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', claims: claims(ada.id) })}`))).toBeTruthy();
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', claims: claims(bob.id) })}`), 'login_required');
  });

  for (const [claims, error] of [
    ['{not json', 'invalid_request'],
    ['[]', 'invalid_request'],
    ['{"id_token":[]}', 'invalid_request'],
    ['{"userinfo":{"email":{"essential":"yes"}}}', 'invalid_request'],
    ['{"id_token":{"acr":{"essential":true,"values":["urn:example:mfa"]}}}', 'unmet_authentication_requirements'],
  ] as const) {
    it(`claims=${claims} -> ${error}`, async () => {
      const client = await createClient();
      expectErrorRedirect(await new LocalBrowser().get(`/authorize?${authorizeQuery(client, { claims })}`), error);
    });
  }

  it('acr_values is voluntary: a supported value is used, an unknown one still succeeds with acr 1', async () => {
    const ada = await createUser();
    const client = await createClient({ first_party: true });
    const tokens = await tokensFor(client, await runFlow(new LocalBrowser(), authorizeQuery(client, { acr_values: 'urn:example:gold 1' }), ada));
    expect(decodeJwt(tokens.id_token).acr).toBe('1');
  });
});

describe('ui_locales and display', () => {
  it('renders the page in the first supported locale, with its lang, and falls back to English', async () => {
    const client = await createClient();
    const fr = await openInteraction(new LocalBrowser(), authorizeQuery(client, { ui_locales: 'de fr-CA en' }));
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.html).toContain('Se connecter');
    const en = await openInteraction(new LocalBrowser(), authorizeQuery(client, { ui_locales: 'se' }));
    expect(en.html).toContain('<html lang="en">');
    expect(en.html).toContain('Sign in');
  });

  it('display=popup renders the compact variant', async () => {
    const client = await createClient();
    const { html } = await openInteraction(new LocalBrowser(), authorizeQuery(client, { display: 'popup' }));
    expect(html).toContain('<body class="compact">');
  });
});

describe('remember me', () => {
  it('a persistent cookie when ticked, a browser-session cookie otherwise', async () => {
    const ada = await createUser();
    const client = await createClient({ first_party: true });
    const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('__Host-op_session='))!;
    const plain = await openInteraction(new LocalBrowser(), authorizeQuery(client));
    const b1 = new LocalBrowser();
    const p1 = await openInteraction(b1, authorizeQuery(client));
    const notRemembered = await b1.post(`${p1.path}/login`, { csrf: p1.csrf, username: ada.username, password: ada.password });
    expect(cookieOf(notRemembered)).not.toMatch(/max-age/i);
    const b2 = new LocalBrowser();
    const p2 = await openInteraction(b2, authorizeQuery(client));
    const remembered = await b2.post(`${p2.path}/login`, { csrf: p2.csrf, username: ada.username, password: ada.password, remember: '1' });
    expect(cookieOf(remembered)).toMatch(/Max-Age=1209600/);
    expect(plain.html).toContain('name="remember"');
    const rows = await env.DB.prepare('SELECT remembered, expires_at - auth_time AS ttl FROM sessions WHERE user_id = ? ORDER BY remembered').bind(ada.id).all<{ remembered: number; ttl: number }>();
    expect(rows.results).toEqual([{ remembered: 0, ttl: 86400 }, { remembered: 1, ttl: 1209600 }]);
  });
});
