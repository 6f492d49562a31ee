import { describe, expect, it } from 'vitest';
import { ISSUER, createClient, createUser, csrfOf, env } from '../helpers';
import { LocalBrowser, authorizeQuery, openInteraction, runFlow } from '../authorize/local-helpers';
import { SoftAuthenticator } from './authenticator';
import { givePasskey, passkeySignIn } from './helpers';

async function signedIn(user: { username: string; password: string }) {
  const browser = new LocalBrowser();
  await runFlow(browser, authorizeQuery(await createClient({ first_party: true })), user);
  const page = await browser.get('/account');
  const html = await page.text();
  return { browser, csrf: csrfOf(html), html, page };
}

const names = (html: string) => [...html.matchAll(/<li data-passkey="[^"]+"><span class="stack"><strong>([^<]*)<\/strong>/g)].map((m) => m[1]);
const ids = (html: string) => [...html.matchAll(/<li data-passkey="([^"]+)"/g)].map((m) => m[1]!);

async function addPasskey(browser: LocalBrowser, csrf: string, auth = new SoftAuthenticator()) {
  const o = await browser.post('/account/passkeys/options', { csrf });
  expect(o.status).toBe(200);
  const options = (await o.json()) as Parameters<SoftAuthenticator['create']>[0] & { excludeCredentials: { id: string }[] };
  const answer = await auth.create(options, { origin: ISSUER });
  const res = await browser.post('/account/passkeys', { csrf, credential: JSON.stringify(answer) });
  return { auth, options, res, html: await res.text() };
}

describe('passkeys on the account page', () => {
  it('adds a passkey to a password account, lists it, renames it, and it signs in', async () => {
    const user = await createUser();
    const { browser, csrf, html, page } = await signedIn(user);
    expect(html).toContain('data-passkey-register="/account/passkeys/options"');
    expect(page.headers.get('Content-Security-Policy')).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+'/);
    expect(names(html)).toEqual([]);
    const added = await addPasskey(browser, csrf);
    expect(added.res.status).toBe(200);
    expect(names(added.html)).toEqual(['Synced passkey']);
    expect(added.html).toContain('never used');
    expect(added.html).toContain('backed up');
    const [id] = ids(added.html);
    // A second passkey excludes the first (no double registration on one authenticator).
    const second = await browser.post('/account/passkeys/options', { csrf });
    expect(((await second.json()) as { excludeCredentials: { id: string }[] }).excludeCredentials.map((c) => c.id)).toEqual([id]);
    const renamed = await browser.post('/account/passkeys/rename', { csrf, id: id!, name: 'Work laptop' });
    expect(names(await renamed.text())).toEqual(['Work laptop']);
    // It signs in, and the page then shows when it was last used.
    const other = new LocalBrowser();
    const client = await createClient({ first_party: true });
    const { path, csrf: icsrf } = await openInteraction(other, authorizeQuery(client));
    expect((await passkeySignIn(other, path, icsrf, added.auth)).res.status).toBe(303);
    expect(await (await browser.get('/account')).text()).toContain('last used');
  });

  it('refuses a registration answer for another origin, and options without the page CSRF token', async () => {
    const user = await createUser();
    const { browser, csrf } = await signedIn(user);
    const o = await browser.post('/account/passkeys/options', { csrf });
    const answer = await new SoftAuthenticator().create((await o.json()) as never, { origin: 'https://evil.example' });
    const res = await browser.post('/account/passkeys', { csrf, credential: JSON.stringify(answer) });
    expect(res.status).toBe(400);
    expect(ids(await res.text())).toEqual([]);
    expect((await browser.post('/account/passkeys/options', { csrf: 'forged' })).status).toBe(403);
    expect((await new LocalBrowser().post('/account/passkeys/options', { csrf })).status).toBe(403);
  });

  it("removes a passkey, never another user's, and keeps the last one of an account without a password", async () => {
    const user = await createUser();
    const { passkey } = await givePasskey(user);
    const { browser, csrf } = await signedIn(user);
    const stranger = await createUser();
    const theirs = await givePasskey(stranger);
    const notMine = await browser.post('/account/passkeys/delete', { csrf, id: theirs.passkey.id });
    expect(notMine.status).toBe(303);
    expect(await env.DB.prepare('SELECT 1 FROM passkeys WHERE id = ?').bind(theirs.passkey.id).first()).not.toBeNull();
    // Passwordless: the last passkey stays.
    await env.DB.prepare("UPDATE users SET password_hash = '' WHERE id = ?").bind(user.id).run();
    const refused = await browser.post('/account/passkeys/delete', { csrf, id: passkey.id });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('only way into your account');
    expect(ids(await (await browser.get('/account')).text())).toEqual([passkey.id]);
    // With a password, it goes.
    await env.DB.prepare("UPDATE users SET password_hash = 'x' WHERE id = ?").bind(user.id).run();
    const removed = await browser.post('/account/passkeys/delete', { csrf, id: passkey.id });
    expect(removed.status).toBe(200);
    expect(ids(await removed.text())).toEqual([]);
  });
});
