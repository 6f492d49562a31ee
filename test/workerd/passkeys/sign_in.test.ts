import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createClient, createUser, exchangeCode, fetchOp } from '../helpers';
import { LocalBrowser, alertOf, authorizeQuery, isLoginPage, openInteraction, runFlow } from '../authorize/local-helpers';
import { givePasskey, passkeySignIn } from './helpers';

async function idTokenOf(client: { client_id: string; client_secret?: string; redirect_uris: string[] }, callback: URL) {
  const code = callback.searchParams.get('code');
  expect(code).toBeTruthy();
  const res = await exchangeCode(client, code!);
  expect(res.status).toBe(200);
  return decodeJwt(((await res.json()) as { id_token: string }).id_token);
}

describe('passkey sign-in on the sign-in page', () => {
  it('offers the passkey with autofill, its scripts by nonce under a strict CSP', async () => {
    const client = await createClient({ first_party: true });
    const { html, page } = await openInteraction(new LocalBrowser(), authorizeQuery(client));
    expect(html).toContain('autocomplete="username webauthn"');
    expect(html).toContain('data-passkey-signin=');
    expect(html).toContain('data-passkey-autofill');
    const csp = page.headers.get('Content-Security-Policy')!;
    const nonce = /script-src 'nonce-([A-Za-z0-9_-]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|https?:/);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((s) => /src="([^"]+)"/.exec(s[1]!)?.[1])).toEqual(['/static/webauthn.js', '/static/passkeys.js']);
    for (const s of scripts) {
      expect(s[1]).toContain(`nonce="${nonce}"`);
      expect(s[2]).toBe('');
    }
    expect(html).not.toMatch(/ on[a-z]+=/);
    // The scripts are ours, from our origin.
    const lib = await fetchOp('/static/webauthn.js');
    expect(lib.status).toBe(200);
    expect(lib.headers.get('Content-Type')).toMatch(/^text\/javascript/);
    expect(await lib.text()).toContain('SimpleWebAuthnBrowser');
    expect((await fetchOp('/static/passkeys.js')).status).toBe(200);
  });

  it('signs in with a discoverable passkey, no username typed; the ID token says how (amr)', async () => {
    const user = await createUser();
    const { auth } = await givePasskey(user);
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    const { options, res } = await passkeySignIn(browser, path, csrf, auth);
    expect(options.rpId).toBe('op.example.test');
    expect(options.userVerification).toBe('preferred');
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(res.status).toBe(303);
    const token = await idTokenOf(client, new URL(res.headers.get('Location')!));
    expect(token.sub).toBe(user.id);
    expect(token.amr).toEqual(['swk', 'user']);
    expect(token.acr).toBe('1');
  });

  it('says hwk for a device-bound passkey', async () => {
    const user = await createUser();
    const { auth } = await givePasskey(user, { backupEligible: false });
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    const { res } = await passkeySignIn(browser, path, csrf, auth);
    expect((await idTokenOf(client, new URL(res.headers.get('Location')!))).amr).toEqual(['hwk', 'user']);
  });

  it('keeps amr pwd for a password sign-in', async () => {
    const user = await createUser();
    const client = await createClient({ first_party: true });
    const token = await idTokenOf(client, await runFlow(new LocalBrowser(), authorizeQuery(client), user));
    expect(token.amr).toEqual(['pwd']);
  });

  it('refuses a bad answer with one message, a wrong CSRF token and another browser', async () => {
    const user = await createUser();
    const { auth } = await givePasskey(user);
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    const wrongOrigin = await passkeySignIn(browser, path, csrf, auth, { origin: 'https://evil.example' });
    expect(wrongOrigin.res.status).toBe(400);
    const message = alertOf(await wrongOrigin.res.text());
    expect(message).toBeTruthy();
    const garbage = await browser.post(`${path}/passkey`, { csrf, credential: '{"id":"nope"}' });
    expect(garbage.status).toBe(400);
    expect(alertOf(await garbage.text())).toBe(message);
    expect((await browser.post(`${path}/passkey`, { csrf, credential: 'not json' })).status).toBe(400);
    expect((await browser.post(`${path}/passkey/options`, { csrf: 'wrong' })).status).toBe(403);
    expect((await browser.post(`${path}/passkey`, { credential: '{}' })).status).toBe(403);
    // Another browser cannot fetch options for this interaction (no interaction cookie).
    expect((await new LocalBrowser().post(`${path}/passkey/options`, { csrf })).status).toBe(400);
  });

  it('acr_values=phr: a password session is not enough; only a verified passkey, and the ID token says phr', async () => {
    const user = await createUser();
    const { auth } = await givePasskey(user);
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), user);
    const { path, csrf, html } = await openInteraction(browser, authorizeQuery(client, { acr_values: 'phr' }));
    // The sign-in page, with the passkey only.
    expect(html).toContain('data-passkey-signin=');
    expect(html).not.toContain('name="password"');
    const password = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(password.status).toBe(400);
    const unverified = await passkeySignIn(browser, path, csrf, auth, { userVerified: false });
    expect(unverified.options.userVerification).toBe('required');
    expect(unverified.res.status).toBe(400);
    const { res } = await passkeySignIn(browser, path, csrf, auth);
    expect(res.status).toBe(303);
    const token = await idTokenOf(client, new URL(res.headers.get('Location')!));
    expect(token.acr).toBe('phr');
    expect(token.amr).toEqual(['swk', 'user']);
    // The passkey session now satisfies phr without a new sign-in.
    const again = await browser.get(`/authorize?${authorizeQuery(client, { acr_values: 'phr' })}`);
    expect(new URL(again.headers.get('Location')!).origin).toBe('https://rp.example.test');
  });

  it('an essential acr phr claim asks for the passkey too; discovery lists phr', async () => {
    const user = await createUser();
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), user);
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: ['phr'] } } });
    const { html } = await openInteraction(browser, authorizeQuery(client, { claims }));
    expect(html).not.toContain('name="password"');
    expect(isLoginPage(html)).toBe(false);
    const discovery = (await (await fetchOp('/.well-known/openid-configuration')).json()) as { acr_values_supported: string[] };
    expect(discovery.acr_values_supported).toEqual(['1', 'phr']);
  });

  it('counts failures in the IP sign-in budget (throttled like passwords)', async () => {
    const client = await createClient({ first_party: true });
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    let last: Response | undefined;
    for (let i = 0; i < 31; i++) last = await browser.post(`${path}/passkey`, { csrf, credential: '{"id":"x","response":{"clientDataJSON":"e30"}}' });
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('Retry-After'))).toBeGreaterThan(0);
  });
});
