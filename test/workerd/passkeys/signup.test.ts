import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ISSUER, createClient, csrfOf, env, exchangeCode } from '../helpers';
import { LocalBrowser, authorizeQuery, openInteraction } from '../authorize/local-helpers';
import { SoftAuthenticator } from './authenticator';
import { passkeySignIn } from './helpers';

let n = 0;
const form = () => {
  const username = `pk${Date.now().toString(36)}${n++}${Math.random().toString(36).slice(2, 6)}`;
  return { username, email: `${username}@example.test`, given_name: 'Grace', family_name: 'Hopper' };
};

async function signupPage(browser: LocalBrowser) {
  const client = await createClient({ first_party: true });
  const { path } = await openInteraction(browser, authorizeQuery(client));
  const page = await browser.get(`${path}/signup`);
  const html = await page.text();
  return { client, path, html, csrf: csrfOf(html) };
}

describe('passwordless sign-up', () => {
  it('creates an account with a passkey and no password, signed in with amr swk user; the password path never works', async () => {
    const browser = new LocalBrowser();
    const { client, path, html, csrf } = await signupPage(browser);
    expect(html).toContain(`data-passkey-create="${path}/signup/passkey/options"`);
    const fields = form();
    const o = await browser.post(`${path}/signup/passkey/options`, { csrf, ...fields });
    expect(o.status).toBe(200);
    const options = (await o.json()) as Parameters<SoftAuthenticator['create']>[0] & { user: { name: string } };
    expect(options.user.name).toBe(fields.username);
    const auth = new SoftAuthenticator();
    const answer = await auth.create(options, { origin: ISSUER });
    const res = await browser.post(`${path}/signup/passkey`, { csrf, ...fields, credential: JSON.stringify(answer) });
    expect(res.status).toBe(303);
    const code = new URL(res.headers.get('Location')!).searchParams.get('code')!;
    const token = decodeJwt(((await (await exchangeCode(client, code)).json()) as { id_token: string }).id_token);
    expect(token.amr).toEqual(['swk', 'user']);
    const row = await env.DB.prepare('SELECT id, password_hash FROM users WHERE username = ?').bind(fields.username).first<{ id: string; password_hash: string }>();
    expect(row).toEqual({ id: token.sub, password_hash: '' });
    // No password signs in to it (an empty one is refused before anything, another one never matches).
    const other = new LocalBrowser();
    const login = await openInteraction(other, authorizeQuery(client));
    expect((await other.post(`${login.path}/login`, { csrf: login.csrf, username: fields.username, password: 'anything at all 123' })).status).toBe(400);
    // The passkey signs in.
    expect((await passkeySignIn(other, login.path, login.csrf, auth)).res.status).toBe(303);
  });

  it('refuses bad fields, a taken name (creating nothing), and an answer for another interaction', async () => {
    const browser = new LocalBrowser();
    const { path, csrf } = await signupPage(browser);
    expect((await browser.post(`${path}/signup/passkey/options`, { csrf, ...form(), username: 'x' })).status).toBe(400);
    const first = form();
    const o = await browser.post(`${path}/signup/passkey/options`, { csrf, ...first });
    const answer = await new SoftAuthenticator().create((await o.json()) as never, { origin: ISSUER });
    // Answer posted to another interaction: its challenge is not there.
    const b2 = new LocalBrowser();
    const second = await signupPage(b2);
    const elsewhere = await b2.post(`${second.path}/signup/passkey`, { csrf: second.csrf, ...first, credential: JSON.stringify(answer) });
    expect(elsewhere.status).toBe(400);
    expect(await env.DB.prepare('SELECT 1 FROM users WHERE username = ?').bind(first.username).first()).toBeNull();
    // A taken username: nothing is created, the user id named in the challenge stays unused.
    const taken = { ...form(), username: (await env.DB.prepare('SELECT username FROM users LIMIT 1').first<{ username: string }>())!.username };
    const o2 = await browser.post(`${path}/signup/passkey/options`, { csrf, ...taken });
    const a2 = await new SoftAuthenticator().create((await o2.json()) as never, { origin: ISSUER });
    const res = await browser.post(`${path}/signup/passkey`, { csrf, ...taken, credential: JSON.stringify(a2) });
    expect(res.status).toBe(400);
    expect(await env.DB.prepare('SELECT 1 FROM passkeys WHERE id = ?').bind(a2.id).first()).toBeNull();
  });
});
