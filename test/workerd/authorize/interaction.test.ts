import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { clockPasses, createClient, createUser, env, exchangeCode, nowSeconds } from '../helpers';
import {
  LocalBrowser,
  alertOf,
  authorizeQuery,
  expectErrorPage,
  expectErrorRedirect,
  isConsentPage,
  isLoginPage,
  openInteraction,
  runFlow,
} from './local-helpers';

const sessionCookieSet = (res: Response) => res.headers.getSetCookie().some((c) => c.startsWith('__Host-op_session=') && !/max-age=0/i.test(c));

describe('authorize: sessions, prompt and max_age', () => {
  it('prompt=none with a session but without consent -> consent_required', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    // Sign in through a first-party client (no consent needed there).
    const first = await createClient({ first_party: true });
    const cb = await runFlow(browser, authorizeQuery(first), user);
    expect(cb.searchParams.get('code')).toBeTruthy();
    expect(browser.hasCookie('__Host-op_session')).toBe(true);

    const third = await createClient();
    const res = await browser.get(`/authorize?${authorizeQuery(third, { prompt: 'none' })}`);
    expectErrorRedirect(res, 'consent_required');
  });

  it('prompt=none with a session and consent issues a code without any page', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient();
    await runFlow(browser, authorizeQuery(client), user);
    const res = await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`);
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get('Location')!);
    expect(url.searchParams.get('code')).toBeTruthy();
    expect(url.searchParams.get('state')).toBe('st-789');
  });

  it('prompt=none when the session needs a fresh login because of max_age -> login_required', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient({ first_party: true });
    await runFlow(browser, authorizeQuery(client), user);
    await clockPasses();
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', max_age: '0' })}`), 'login_required');
  });

  it('prompt=login with a session shows the login page again', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient({ first_party: true });
    await runFlow(browser, authorizeQuery(client), user);
    // Without prompt=login: straight back with a code.
    const sso = await browser.get(`/authorize?${authorizeQuery(client)}`);
    expect(new URL(sso.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
    const { html } = await openInteraction(browser, authorizeQuery(client, { prompt: 'login' }));
    expect(isLoginPage(html)).toBe(true);
  });

  it('prompt=login cannot be satisfied by the old session: the wrong password fails, the right one issues a code', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient({ first_party: true });
    await runFlow(browser, authorizeQuery(client), user);
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'login' }));
    const wrong = await browser.post(`${path}/login`, { csrf, username: user.username, password: 'nope-nope-nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('Location')).toBeNull();
    const right = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(right.status).toBe(303);
    expect(new URL(right.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
  });

  it('prompt=consent shows the consent page even after consent was given', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient();
    await runFlow(browser, authorizeQuery(client), user);
    const { html } = await openInteraction(browser, authorizeQuery(client, { prompt: 'consent' }));
    expect(isConsentPage(html)).toBe(true);
  });

  it('max_age=0 with an older session asks to sign in again, and the new ID token has a fresh auth_time', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient({ first_party: true });
    const first = await runFlow(browser, authorizeQuery(client), user);
    const firstTokens = (await (await exchangeCode(client, first.searchParams.get('code')!)).json()) as { id_token: string };
    const firstAuthTime = decodeJwt(firstTokens.id_token).auth_time as number;

    await clockPasses(firstAuthTime);
    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(client, { max_age: '0' }));
    const loginStarted = nowSeconds();
    expect(isLoginPage(html)).toBe(true);
    const res = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(res.status).toBe(303);
    const code = new URL(res.headers.get('Location')!).searchParams.get('code')!;
    const tokens = (await (await exchangeCode(client, code)).json()) as { id_token: string };
    const claims = decodeJwt(tokens.id_token);
    expect(claims.auth_time as number).toBeGreaterThan(firstAuthTime);
    // auth_time is the time of this sign-in: between the page being opened and now.
    expect(claims.auth_time as number).toBeGreaterThanOrEqual(loginStarted);
    expect(claims.auth_time as number).toBeLessThanOrEqual(nowSeconds());
  });

  it('a large max_age does not ask to sign in again', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient({ first_party: true });
    await runFlow(browser, authorizeQuery(client), user);
    const res = await browser.get(`/authorize?${authorizeQuery(client, { max_age: '3600' })}`);
    expect(new URL(res.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
  });

  it('prefills the login form with login_hint, escaped', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    const { html } = await openInteraction(browser, authorizeQuery(client, { login_hint: 'ada@example.test' }));
    expect(html).toMatch(/<input[^>]*name="username"[^>]*value="ada@example\.test"/);
    const xss = await openInteraction(new LocalBrowser(), authorizeQuery(client, { login_hint: '"><script>alert(1)</script>' }));
    expect(xss.html).not.toContain('<script>alert(1)</script>');
  });

  it('accepts display, ui_locales, claims_locales, acr_values and unknown parameters through to a code', async () => {
    const user = await createUser();
    const client = await createClient();
    const cb = await runFlow(
      new LocalBrowser(),
      authorizeQuery(client, { display: 'touch', ui_locales: 'fr', claims_locales: 'fr', acr_values: '0', unknown_param: 'x' }),
      user,
    );
    expect(cb.searchParams.get('code')).toBeTruthy();
    expect(cb.searchParams.get('state')).toBe('st-789');
  });

  it('POST /authorize runs the same flow as GET and issues a redeemable code', async () => {
    const user = await createUser();
    const client = await createClient();
    const browser = new LocalBrowser();
    const res = await browser.postRaw('/authorize', authorizeQuery(client));
    expect(res.status).toBe(302);
    const path = res.headers.get('Location')!;
    expect(path).toMatch(/^\/interaction\//);
    // The interaction is the same as for a GET: sign in, consent, code.
    const page = await browser.get(path);
    const html = await page.text();
    expect(isLoginPage(html)).toBe(true);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const afterLogin = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(afterLogin.status).toBe(303);
    const consent = await browser.get(afterLogin.headers.get('Location')!);
    expect(isConsentPage(await consent.text())).toBe(true);
    const done = await browser.post(`${path}/consent`, { csrf, decision: 'allow' });
    const cb = new URL(done.headers.get('Location')!);
    expect(cb.searchParams.get('state')).toBe('st-789');
    expect((await exchangeCode(client, cb.searchParams.get('code')!)).status).toBe(200);
  });
});

describe('authorize: the authorization code', () => {
  it('carries at least 128 bits of entropy in its secret part, and differs each time', async () => {
    const user = await createUser();
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const codes = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const cb = await runFlow(browser, authorizeQuery(client), user);
      codes.add(cb.searchParams.get('code')!);
    }
    expect(codes.size).toBe(3);
    const secrets = new Set<string>();
    for (const code of codes) {
      const dot = code.lastIndexOf('.');
      expect(dot).toBeGreaterThan(0);
      const secret = code.slice(dot + 1);
      expect(secret).toMatch(/^[A-Za-z0-9_-]+$/);
      // base64url: 6 bits per character.
      expect(secret.length * 6).toBeGreaterThanOrEqual(128);
      secrets.add(secret);
    }
    expect(secrets.size).toBe(3);
  });
});

describe('interaction pages', () => {
  it('refuses a login POST without csrf: 403 page, no session cookie', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const { path } = await openInteraction(browser, authorizeQuery(await createClient()));
    const res = await browser.post(`${path}/login`, { username: user.username, password: user.password });
    await expectErrorPage(res, 403);
    expect(sessionCookieSet(res)).toBe(false);
    expect(browser.hasCookie('__Host-op_session')).toBe(false);
  });

  it('refuses a login POST with a wrong csrf: 403 page, no session cookie', async () => {
    const user = await createUser();
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(await createClient()));
    const res = await browser.post(`${path}/login`, { csrf: `${csrf.slice(0, -2)}xx`, username: user.username, password: user.password });
    await expectErrorPage(res, 403);
    expect(sessionCookieSet(res)).toBe(false);
    // The real csrf still works afterwards.
    const ok = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(ok.status).toBe(303);
    expect(sessionCookieSet(ok)).toBe(true);
  });

  it('refuses a login POST from a browser without the interaction cookie, even with the right csrf', async () => {
    const user = await createUser();
    const { path, csrf } = await openInteraction(new LocalBrowser(), authorizeQuery(await createClient()));
    const stranger = new LocalBrowser();
    const res = await stranger.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    // Without the interaction cookie this browser never started the sign-in: it has expired for it.
    const html = await expectErrorPage(res, 400);
    expect(html).toContain('This sign-in has expired');
    expect(isLoginPage(html)).toBe(false);
    expect(sessionCookieSet(res)).toBe(false);
  });

  it('refuses to show an interaction page to a browser without its cookie', async () => {
    const { path } = await openInteraction(new LocalBrowser(), authorizeQuery(await createClient()));
    const res = await new LocalBrowser().get(path);
    const html = await expectErrorPage(res, 400);
    expect(html).toContain('This sign-in has expired');
    expect(html).not.toMatch(/name="csrf"/);
  });

  it('shows an error page for an unknown interaction id', async () => {
    const res = await new LocalBrowser().get('/interaction/does-not-exist');
    expect(await expectErrorPage(res, 400)).toContain('This sign-in has expired');
  });

  it('answers a wrong password with a 400 page and one generic message, identical for an unknown user', async () => {
    const user = await createUser();
    const client = await createClient();
    const a = new LocalBrowser();
    const ia = await openInteraction(a, authorizeQuery(client));
    const wrongPassword = await a.post(`${ia.path}/login`, { csrf: ia.csrf, username: user.username, password: 'not-the-password' });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(wrongPassword.headers.get('Location')).toBeNull();
    expect(sessionCookieSet(wrongPassword)).toBe(false);
    const wrongHtml = await wrongPassword.text();
    expect(isLoginPage(wrongHtml)).toBe(true);

    const b = new LocalBrowser();
    const ib = await openInteraction(b, authorizeQuery(client));
    const unknownUser = await b.post(`${ib.path}/login`, { csrf: ib.csrf, username: `nobody-${crypto.randomUUID()}`, password: 'not-the-password' });
    expect(unknownUser.status).toBe(400);
    const unknownHtml = await unknownUser.text();

    const m1 = alertOf(wrongHtml);
    const m2 = alertOf(unknownHtml);
    expect(m1).toBeTruthy();
    expect(m1).toBe(m2);
    expect(m1!.toLowerCase()).not.toMatch(/no such|not found|unknown|does not exist/);
    // Apart from csrf tokens, ids and the echoed username, the pages are the same.
    const normalise = (html: string, login: string) => html.replace(/nonce="[^"]*"/g, 'nonce=""').replace(/\/interaction\/[A-Za-z0-9_-]+/g, '/interaction/X').replace(/value="[^"]*"/g, 'value=""').replace(login, 'LOGIN');
    expect(normalise(wrongHtml, user.username)).toBe(normalise(unknownHtml, /value="(nobody-[^"]+)"/.exec(unknownHtml)?.[1] ?? 'nobody'));
  });

  // Throttling after failed attempts: see login_throttle.test.ts.
  it('does not lock other accounts when one is locked', async () => {
    const locked = await createUser();
    const fine = await createUser();
    const browser = new LocalBrowser();
    const client = await createClient({ first_party: true });
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    for (let i = 0; i < 5; i++) await browser.post(`${path}/login`, { csrf, username: locked.username, password: 'wrong-password!' });
    const res = await browser.post(`${path}/login`, { csrf, username: fine.username, password: fine.password });
    expect(res.status).toBe(303);
  });

  it('consent deny -> access_denied at redirect_uri with state and iss, and nothing is remembered', async () => {
    const user = await createUser();
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    const login = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(login.status).toBe(303);
    const consent = await browser.get(login.headers.get('Location')!);
    expect(isConsentPage(await consent.text())).toBe(true);
    const denied = await browser.post(`${path}/consent`, { csrf, decision: 'deny' });
    expectErrorRedirect(denied, 'access_denied');
    // The interaction is finished; its page is gone.
    const reused = await browser.get(path);
    expect(reused.status).toBeGreaterThanOrEqual(400);
    // Consent was not stored.
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`), 'consent_required');
  });

  it('consent POST without csrf is refused with 403 and does not issue a code', async () => {
    const user = await createUser();
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    const res = await browser.post(`${path}/consent`, { decision: 'allow' });
    await expectErrorPage(res, 403);
    expectErrorRedirect(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`), 'consent_required');
  });

  it('cancel on the login page (POST abort with csrf) -> access_denied with state and iss', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, csrf, html } = await openInteraction(browser, authorizeQuery(client, { state: 'cancel-state' }));
    expect(html).toContain(`action="${path}/abort"`);
    const res = await browser.post(`${path}/abort`, { csrf });
    expectErrorRedirect(res, 'access_denied', { state: 'cancel-state' });
    expect(sessionCookieSet(res)).toBe(false);
    // The interaction is finished; its cookie is cleared and it cannot be resumed.
    expect(browser.hasCookie(`__Host-op_interaction_${path.split('/').pop()}`)).toBe(false);
    expect((await browser.get(path)).status).toBeGreaterThanOrEqual(400);
  });

  it('abort without csrf is refused with 403 and does not redirect', async () => {
    const browser = new LocalBrowser();
    const { path } = await openInteraction(browser, authorizeQuery(await createClient()));
    await expectErrorPage(await browser.post(`${path}/abort`, {}), 403);
  });

  it('sends CSP frame-ancestors none and no-store on the login, consent and error pages', async () => {
    const user = await createUser();
    const client = await createClient();
    const browser = new LocalBrowser();
    const { path, csrf, page } = await openInteraction(browser, authorizeQuery(client));
    const pages = [page];
    const login = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    pages.push(await browser.get(login.headers.get('Location')!));
    pages.push(await browser.get(`/authorize?client_id=nope`));
    for (const p of pages) {
      expect(p.headers.get('Content-Type')).toMatch(/^text\/html/);
      expect(p.headers.get('Content-Security-Policy')).toMatch(/frame-ancestors 'none'/);
      expect(p.headers.get('X-Frame-Options')).toBe('DENY');
      expect(p.headers.get('Cache-Control')).toBe('no-store');
    }
  });

  it('sets the interaction and session cookies as __Host- cookies: HttpOnly, SameSite=Lax, Secure, Path=/, no Domain', async () => {
    const user = await createUser();
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const start = await browser.get(`/authorize?${authorizeQuery(client)}`);
    const path = start.headers.get('Location')!;
    const interactionCookie = start.headers.getSetCookie().find((c) => c.startsWith('__Host-op_interaction_'));
    expect(interactionCookie).toBeDefined();
    const page = await browser.get(path);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const login = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    const sessionCookie = login.headers.getSetCookie().find((c) => c.startsWith('__Host-op_session='));
    expect(sessionCookie).toBeDefined();
    for (const cookie of [interactionCookie!, sessionCookie!]) {
      const attrs = cookie.split(';').map((a) => a.trim().toLowerCase());
      expect(attrs).toContain('httponly');
      expect(attrs).toContain('samesite=lax');
      expect(attrs).toContain('secure');
      expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    }
    for (const cookie of [interactionCookie!, sessionCookie!]) expect(cookie.split(';').map((a) => a.trim())).toContain('Path=/');
    // One cookie per interaction, named after it, so parallel sign-ins in several tabs keep theirs.
    expect(interactionCookie).toMatch(new RegExp(`^__Host-op_interaction_${path.split('/').pop()}=`));
  });

  it('a session cookie is not set before the password is verified, and a fresh one replaces any previous cookie', async () => {
    const user = await createUser();
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), user);
    const before = browser.cookieValue('__Host-op_session');
    expect(before).toBeTruthy();
    await runFlow(browser, authorizeQuery(client, { prompt: 'login' }), user);
    const after = browser.cookieValue('__Host-op_session');
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    const rows = await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.id = ?').bind(user.id).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });
});
