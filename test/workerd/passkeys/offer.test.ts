import { describe, expect, it } from 'vitest';
import { ISSUER, createClient, createUser, csrfOf, env } from '../helpers';
import { LocalBrowser, authorizeQuery, openInteraction } from '../authorize/local-helpers';
import { SoftAuthenticator } from './authenticator';
import { givePasskey } from './helpers';

async function passwordSignIn(user: { username: string; password: string }, capable = true) {
  const client = await createClient({ first_party: true });
  const browser = new LocalBrowser();
  const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
  const res = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password, ...(capable ? { passkey_capable: '1' } : {}) });
  expect(res.status).toBe(303);
  return { browser, path, location: res.headers.get('Location')! };
}

describe('"Add a passkey?" after a password sign-in', () => {
  it('is offered once to a user without a passkey; "Not now" continues and it is not asked again for a while', async () => {
    const user = await createUser();
    const { browser, path, location } = await passwordSignIn(user);
    expect(location).toBe(`${path}/passkey/offer`);
    const page = await browser.get(location);
    const html = await page.text();
    expect(html).toContain(`data-passkey-register="${path}/passkey/register/options"`);
    const skip = await browser.post(`${path}/passkey/skip`, { csrf: csrfOf(html) });
    expect(skip.status).toBe(303);
    expect(new URL(skip.headers.get('Location')!).origin).toBe('https://rp.example.test');
    const again = await passwordSignIn(user);
    expect(again.location).not.toContain('/passkey/offer');
    const row = await env.DB.prepare('SELECT passkey_prompt_after AS t FROM users WHERE id = ?').bind(user.id).first<{ t: number }>();
    expect(row!.t).toBeGreaterThan(Date.now() / 1000 + 29 * 86400);
  });

  it('adds the passkey for the user who signed in, then continues the request', async () => {
    const user = await createUser();
    const { browser, path, location } = await passwordSignIn(user);
    const csrf = csrfOf(await (await browser.get(location)).text());
    const o = await browser.post(`${path}/passkey/register/options`, { csrf });
    expect(o.status).toBe(200);
    const answer = await new SoftAuthenticator().create((await o.json()) as never, { origin: ISSUER });
    const res = await browser.post(`${path}/passkey/register`, { csrf, credential: JSON.stringify(answer) });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
    expect(await env.DB.prepare('SELECT user_id FROM passkeys WHERE id = ?').bind(answer.id).first()).toEqual({ user_id: user.id });
  });

  it('is not offered to a user who has a passkey, nor to a browser that cannot make one', async () => {
    const withKey = await createUser();
    await givePasskey(withKey);
    expect((await passwordSignIn(withKey)).location).not.toContain('/passkey/offer');
    expect((await passwordSignIn(await createUser(), false)).location).not.toContain('/passkey/offer');
  });

  it('cannot register a passkey before anyone signed in during the request', async () => {
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    expect((await browser.post(`${path}/passkey/register/options`, { csrf })).status).toBe(400);
  });
});
