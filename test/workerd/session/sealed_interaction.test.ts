// The pending interaction lives in a sealed cookie (src/session/interaction.ts): tampering, expiry,
// another browser, another interaction's id, and the row fallback for requests too large for a cookie.
import { describe, expect, it } from 'vitest';
import { openJson, sealJson } from '../../../src/crypto/sealed';
import { MAX_SEALED_COOKIE } from '../../../src/session/interaction';
import { Browser, createClient, createUser, csrfOf, env } from '../helpers';
import { authorizeQuery, isConsentPage, isLoginPage, openInteraction, runFlow } from '../authorize/local-helpers';

const cookieOf = (path: string) => `__Host-op_interaction_${path.split('/').pop()}`;
const expiredPage = async (res: Response) => {
  expect(res.status).toBe(400);
  expect(await res.text()).toContain('This sign-in has expired');
};

describe('sealed interaction cookie', () => {
  it('holds no readable request: the value is AES-GCM under the purpose key, and no interactions row is written', async () => {
    const client = await createClient({ first_party: true });
    const browser = new Browser();
    const { path } = await openInteraction(browser, authorizeQuery(client, { state: 'plain-state-marker' }));
    const value = browser.cookieValue(cookieOf(path))!;
    expect(value).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(atob(value.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).not.toContain('plain-state-marker');
    const id = path.split('/').pop()!;
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM interactions WHERE id = ?').bind(id).first<{ n: number }>()).toEqual({ n: 0 });
    // It opens under its own id only, and not for another purpose label.
    expect(await openJson(env.KEY_ENCRYPTION_KEY, 'interaction-cookie', id, value)).toMatchObject({ id, cid: client.client_id });
    expect(await openJson(env.KEY_ENCRYPTION_KEY, 'interaction-cookie', `${id}x`, value)).toBeNull();
    expect(await openJson(env.KEY_ENCRYPTION_KEY, 'other-purpose', id, value)).toBeNull();
  });

  it('a tampered value opens to nothing: the expired page, never a 500', async () => {
    const client = await createClient({ first_party: true });
    const browser = new Browser();
    const { path } = await openInteraction(browser, authorizeQuery(client));
    const value = browser.cookieValue(cookieOf(path))!;
    const last = value.at(-2) === 'A' ? 'B' : 'A';
    for (const bad of [`${value.slice(0, -2)}${last}${value.at(-1)}`, value.split('.')[1]!, 'x.y', '', `${value}.${value}`]) {
      browser.plantCookie(cookieOf(path), bad);
      await expiredPage(await browser.get(path));
    }
  });

  it('another browser given the URL, or the cookie of another interaction renamed to this one, gets nothing', async () => {
    const client = await createClient({ first_party: true });
    const user = await createUser();
    const alice = new Browser();
    const { path, csrf } = await openInteraction(alice, authorizeQuery(client));
    const mallory = new Browser();
    await expiredPage(await mallory.get(path));
    await expiredPage(await mallory.post(`${path}/login`, { csrf, username: user.username, password: user.password }));
    // Mallory's own interaction cookie (with her own CSRF token), presented under Alice's interaction id.
    const own = await openInteraction(mallory, authorizeQuery(client));
    mallory.plantCookie(cookieOf(path), mallory.cookieValue(cookieOf(own.path))!);
    await expiredPage(await mallory.get(path));
    await expiredPage(await mallory.post(`${path}/login`, { csrf: own.csrf, username: user.username, password: user.password }));
  });

  it('a genuine value past its expiry is refused', async () => {
    const client = await createClient({ first_party: true });
    const browser = new Browser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    const id = path.split('/').pop()!;
    const state = (await openJson<Record<string, unknown>>(env.KEY_ENCRYPTION_KEY, 'interaction-cookie', id, browser.cookieValue(cookieOf(path))!))!;
    browser.plantCookie(cookieOf(path), await sealJson(env.KEY_ENCRYPTION_KEY, 'interaction-cookie', id, { ...state, exp: Math.floor(Date.now() / 1000) - 1 }));
    await expiredPage(await browser.get(path));
    // Still valid a minute on: the same page opens (the forged-expiry check is on the value, not the clock alone).
    browser.plantCookie(cookieOf(path), await sealJson(env.KEY_ENCRYPTION_KEY, 'interaction-cookie', id, { ...state, exp: Math.floor(Date.now() / 1000) + 60 }));
    const page = await browser.get(path);
    expect(page.status).toBe(200);
    expect(csrfOf(await page.text())).toBe(csrf);
  });

  it('CSRF: a form without the sealed token is refused (403) and signs nobody in', async () => {
    const client = await createClient({ first_party: true });
    const user = await createUser();
    const browser = new Browser();
    const { path } = await openInteraction(browser, authorizeQuery(client));
    const res = await browser.post(`${path}/login`, { csrf: 'not-the-token', username: user.username, password: user.password });
    expect(res.status).toBe(403);
    expect(browser.hasCookie('__Host-op_session')).toBe(false);
  });

  it('the sign-in progress is sealed in the cookie; the cookie goes when the request is answered', async () => {
    const client = await createClient();
    const user = await createUser();
    const browser = new Browser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { scope: 'openid profile' }));
    const before = browser.cookieValue(cookieOf(path));
    const signedIn = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(signedIn.status).toBe(303);
    expect(browser.cookieValue(cookieOf(path))).not.toBe(before);
    const consent = await browser.get(path);
    const html = await consent.text();
    expect(isConsentPage(html)).toBe(true);
    const done = await browser.post(`${path}/consent`, { csrf: csrfOf(html), decision: 'allow' });
    expect(done.status).toBe(303);
    expect(new URL(done.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
    expect(browser.hasCookie(cookieOf(path))).toBe(false);
  });

  it('a request too large for a cookie is kept in a row (with the CSRF hash), works, and the row goes at the end', async () => {
    const client = await createClient({ first_party: true });
    const user = await createUser();
    const browser = new Browser();
    const big = 'x'.repeat(MAX_SEALED_COOKIE);
    const { path, html } = await openInteraction(browser, authorizeQuery(client, { state: big }));
    expect(isLoginPage(html)).toBe(true);
    const id = path.split('/').pop()!;
    expect(browser.cookieValue(cookieOf(path))!.length).toBeLessThanOrEqual(MAX_SEALED_COOKIE);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM interactions WHERE id = ?').bind(id).first<{ n: number }>()).toEqual({ n: 1 });
    // The row alone is not enough: without the browser's cookie, nothing.
    await expiredPage(await new Browser().get(path));
    const done = await browser.post(`${path}/login`, { csrf: csrfOf(html), username: user.username, password: user.password });
    expect(done.status).toBe(303);
    const callback = new URL(done.headers.get('Location')!);
    expect(callback.searchParams.get('state')).toBe(big);
    expect(callback.searchParams.get('code')).toBeTruthy();
    // Deleted after the response (waitUntil): poll briefly.
    for (let i = 0; i < 20; i++) {
      const { n } = (await env.DB.prepare('SELECT COUNT(*) AS n FROM interactions WHERE id = ?').bind(id).first<{ n: number }>())!;
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the interactions row was not deleted');
  });

  it('a complete flow still works end to end', async () => {
    const client = await createClient();
    const user = await createUser();
    const callback = await runFlow(new Browser(), authorizeQuery(client), user);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });
});
