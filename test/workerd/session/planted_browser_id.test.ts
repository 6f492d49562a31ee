import { createExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { createClient, createUser, csrfOf, env, uniqueIp } from '../helpers';
import { LocalBrowser, authorizeQuery, isLoginPage, openInteraction, runFlow } from '../authorize/local-helpers';

/** A 43-character value in the format of our ids, as an attacker would choose one. */
const attackerValue = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Plants the account-chooser cookies under every name the OP ever read them by. */
function plantBrowserId(browser: LocalBrowser, value: string): void {
  for (const name of ['op_browser', 'op_run', '__Host-op_browser', '__Host-op_run']) browser.plantCookie(name, value);
}

/** Follows same-origin redirects until a page or the client's redirect_uri. */
async function follow(browser: LocalBrowser, res: Response): Promise<Response> {
  while ([302, 303].includes(res.status) && res.headers.get('Location')!.startsWith('/')) res = await browser.get(res.headers.get('Location')!);
  return res;
}

async function signInRemembered(browser: LocalBrowser, query: string, user: { username: string; password: string }): Promise<Response> {
  const { path, csrf } = await openInteraction(browser, query);
  return browser.post(`${path}/login`, { csrf, username: user.username, password: user.password, remember: '1' });
}

describe('account takeover through a planted browser id (issue 9, high)', { timeout: 30_000 }, () => {
  it('an attacker who planted op_browser in the victim\'s browser cannot pick the victim\'s session from their own browser', async () => {
    const victim = await createUser({ given_name: 'Victoria', family_name: 'Victim' });
    const client = await createClient({ first_party: true });
    const planted = attackerValue();

    // The attacker plants a browser id in the victim's browser; the victim signs in with "remember me".
    const victimBrowser = new LocalBrowser();
    plantBrowserId(victimBrowser, planted);
    const signedIn = await signInRemembered(victimBrowser, authorizeQuery(client), victim);
    expect(new URL(signedIn.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
    const victimSid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(victim.id).first<{ sid: string }>())!.sid;
    // The planted value is not adopted: the victim's browser now holds only what the OP generated.
    for (const name of ['__Host-op_browser', '__Host-op_run']) expect(victimBrowser.cookieValue(name) ?? '').not.toContain(planted);

    // The attacker sends the same browser id from their own browser with prompt=select_account.
    const attacker = new LocalBrowser();
    plantBrowserId(attacker, planted);
    const { path, html, csrf } = await openInteraction(attacker, authorizeQuery(client, { prompt: 'select_account' }));
    expect(html).not.toContain('Victoria');
    expect(html).not.toContain(victimSid);
    expect(isLoginPage(html)).toBe(true);

    // ...and picks the victim's session by its sid anyway: back to the attacker's own sign-in page, no code.
    const picked = await attacker.post(`${path}/select`, { csrf, account: victimSid });
    expect(picked.status).toBe(303);
    expect(picked.headers.get('Location')).toBe(path);
    const landed = await follow(attacker, picked);
    expect(landed.status).toBe(200);
    expect(isLoginPage(await landed.text())).toBe(true);
    expect(attacker.cookieNames().some((n) => n.endsWith('op_session'))).toBe(false);
    expect(await (await attacker.get('/account')).text()).toContain('You are not signed in');

    // The victim is still signed in, in their own browser only.
    expect(await (await victimBrowser.get('/account')).text()).toContain('Victoria');
  });

  it('a sid signed in to another browser is refused: the sid alone proves nothing', async () => {
    const [ada, eve] = [await createUser(), await createUser()];
    const client = await createClient({ first_party: true });
    const adaBrowser = new LocalBrowser();
    await runFlow(adaBrowser, authorizeQuery(client), ada);
    const adaSid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(ada.id).first<{ sid: string }>())!.sid;
    const eveBrowser = new LocalBrowser();
    await runFlow(eveBrowser, authorizeQuery(client), eve);
    const { path, csrf } = await openInteraction(eveBrowser, authorizeQuery(client, { prompt: 'select_account' }));
    const picked = await eveBrowser.post(`${path}/select`, { csrf, account: adaSid });
    expect(picked.headers.get('Location')).toBe(path);
  });

  it('the accounts of one browser stay switchable: the chooser proves possession with each session\'s own secret', async () => {
    const [ada, bob] = [await createUser({ given_name: 'Ada' }), await createUser({ given_name: 'Bob' })];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await signInRemembered(browser, authorizeQuery(client), ada);
    await runFlow(browser, authorizeQuery(client, { prompt: 'login' }), bob);
    // One remembered and one browser-session account: each list holds one secret.
    expect(browser.cookieValue('__Host-op_browser')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookieValue('__Host-op_run')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const adaSid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(ada.id).first<{ sid: string }>())!.sid;
    const { path, html, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account' }));
    expect(html).toContain(adaSid);
    const chosen = await browser.post(`${path}/select`, { csrf, account: adaSid });
    expect(new URL(chosen.headers.get('Location')!).searchParams.get('code')).toBeTruthy();

    // Closing the browser drops the browser-session cookies: Bob leaves the chooser, Ada stays.
    browser.dropCookie('__Host-op_run');
    const again = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account' }));
    const sids = [...again.html.matchAll(/name="account" value="([^"]+)"/g)].map((m) => m[1]);
    expect(sids).toEqual([adaSid, 'new']);
  });
});

describe('cookie names and attributes', { timeout: 30_000 }, () => {
  const attributes = (line: string) => line.split(';').slice(1).map((a) => a.trim().toLowerCase());

  it('on https every cookie is a __Host- cookie: Secure, Path=/, HttpOnly, no Domain', async () => {
    const [ada, bob] = [await createUser(), await createUser()];
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const lines: string[] = [];
    const collect = async (res: Promise<Response>) => {
      const r = await res;
      lines.push(...r.headers.getSetCookie());
      return r;
    };
    const signIn = async (user: { username: string; password: string }, extra: Record<string, string>, remember: boolean) => {
      const path = (await collect(browser.get(`/authorize?${authorizeQuery(client, extra)}`))).headers.get('Location')!;
      const page = await collect(browser.get(path));
      await collect(browser.post(`${path}/login`, { csrf: csrfOf(await page.text()), username: user.username, password: user.password, ...(remember ? { remember: '1' } : {}) }));
    };
    // A remembered account (op_browser), a browser-session one (op_run), then the logout confirmation (op_logout).
    await signIn(ada, {}, true);
    await signIn(bob, { prompt: 'login' }, false);
    await collect(browser.get('/logout'));
    const names = new Set(lines.map((l) => l.slice(0, l.indexOf('='))));
    for (const name of ['__Host-op_session', '__Host-op_browser', '__Host-op_run', '__Host-op_logout']) expect(names).toContain(name);
    expect([...names].some((n) => n.startsWith('__Host-op_interaction_'))).toBe(true);
    for (const line of lines) {
      expect(line.startsWith('__Host-')).toBe(true);
      const attrs = attributes(line);
      expect(attrs).toContain('secure');
      expect(attrs).toContain('path=/');
      expect(attrs).toContain('httponly');
      expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    }
  });

  it('on http (loopback development) the plain names are used, without Secure', async () => {
    const client = await createClient({ first_party: true });
    // Development: no ISSUER, served on loopback over http.
    const { ISSUER: _configured, ...devEnv } = env;
    const res = await app.fetch(
      new Request(`http://localhost/authorize?${authorizeQuery(client)}`, { headers: { 'CF-Connecting-IP': uniqueIp() } }),
      devEnv,
      createExecutionContext(),
    );
    expect(res.status).toBe(302);
    const [line] = res.headers.getSetCookie();
    expect(line).toMatch(/^op_interaction_[A-Za-z0-9_-]+=/);
    expect(attributes(line!)).toContain('path=/');
    expect(attributes(line!)).not.toContain('secure');
  });
});
