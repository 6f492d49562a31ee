// Issue 9: negative tests. Nothing done from one browser ends or switches another browser's
// session, and every state-changing form refuses a request that did not come from its own page.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createClient, createUser, csrfOf, env, exchangeCode } from '../helpers';
import { LocalBrowser, authorizeQuery, isConsentPage, openInteraction, runFlow } from '../authorize/local-helpers';

const PLRU = 'https://rp.example.test/logged-out';
const sessionsOf = async (userId: string) => (await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?').bind(userId).first<{ n: number }>())!.n;
const consentsOf = async (userId: string) => (await env.DB.prepare('SELECT COUNT(*) AS n FROM consents WHERE user_id = ?').bind(userId).first<{ n: number }>())!.n;

async function signedIn(client: { client_id: string; client_secret?: string; redirect_uris: string[] }, opts: { remember?: boolean } = {}) {
  const user = await createUser();
  const browser = new LocalBrowser();
  let callback: URL;
  if (opts.remember) {
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client));
    callback = new URL((await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password, remember: '1' })).headers.get('Location')!);
  } else callback = await runFlow(browser, authorizeQuery(client), user);
  const { id_token } = (await (await exchangeCode(client, callback.searchParams.get('code')!)).json()) as { id_token: string };
  return { user, browser, idToken: id_token, sid: decodeJwt(id_token).sid as string };
}

describe('logout cannot end another browser\'s session', { timeout: 30_000 }, () => {
  it('the victim\'s sid posted to /logout/confirm from the attacker\'s browser ends only the attacker\'s own session', async () => {
    const client = await createClient({ first_party: true, post_logout_redirect_uris: [PLRU] });
    const victim = await signedIn(client);
    const attacker = await signedIn(client);
    const confirm = await attacker.browser.get('/logout');
    expect(confirm.status).toBe(200);
    const csrf = csrfOf(await confirm.text());
    const res = await attacker.browser.post('/logout/confirm', { csrf, decision: 'logout', sid: victim.sid });
    expect(res.status).toBe(200);
    expect(await sessionsOf(victim.user.id)).toBe(1);
    expect(await sessionsOf(attacker.user.id)).toBe(0);
  });

  it('the victim\'s ID token sent to /logout from the attacker\'s browser (signed in or not) leaves the victim signed in', async () => {
    const client = await createClient({ first_party: true, post_logout_redirect_uris: [PLRU] });
    const victim = await signedIn(client);
    const attacker = await signedIn(client);
    const query = new URLSearchParams({ id_token_hint: victim.idToken, post_logout_redirect_uri: PLRU, state: 's' }).toString();
    // Signed in: the hint is not for the attacker's session, so the attacker is asked about their own.
    const asked = await attacker.browser.get(`/logout?${query}`);
    expect(asked.status).toBe(200);
    const html = await asked.text();
    expect(html).not.toContain(victim.sid);
    const confirmed = await attacker.browser.post('/logout/confirm', { csrf: csrfOf(html), decision: 'logout', sid: victim.sid });
    expect([200, 303]).toContain(confirmed.status);
    // Not signed in: nothing to end.
    await new LocalBrowser().get(`/logout?${query}`);
    expect(await sessionsOf(victim.user.id)).toBe(1);
    expect(await (await victim.browser.get('/account')).text()).not.toContain('You are not signed in');
  });
});

describe('CSRF', { timeout: 30_000 }, () => {
  it('/account/logout-all refuses a token from another browser, and a missing one', async () => {
    const client = await createClient({ first_party: true });
    const victim = await signedIn(client);
    const attacker = await signedIn(client);
    const attackerToken = csrfOf(await (await attacker.browser.get('/account')).text());
    const forms: Record<string, string>[] = [{ csrf: attackerToken }, {}];
    for (const form of forms) {
      const res = await victim.browser.post('/account/logout-all', form);
      expect(res.status).toBe(403);
    }
    expect(await sessionsOf(victim.user.id)).toBe(1);
    expect(await sessionsOf(attacker.user.id)).toBe(1);
  });

  it('the account chooser refuses a select without this interaction\'s token, and from another browser', async () => {
    const client = await createClient({ first_party: true });
    const [ada, bob] = [await createUser(), await createUser()];
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(client), ada);
    await runFlow(browser, authorizeQuery(client, { prompt: 'login' }), bob);
    const adaSid = (await env.DB.prepare('SELECT sid FROM sessions WHERE user_id = ?').bind(ada.id).first<{ sid: string }>())!.sid;
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account' }));
    const other = await openInteraction(browser, authorizeQuery(client, { prompt: 'select_account' }));
    const forms: Record<string, string>[] = [{ account: adaSid }, { account: adaSid, csrf: other.csrf }];
    for (const form of forms) {
      const res = await browser.post(`${path}/select`, form);
      expect(res.status).toBe(403);
      expect(res.headers.get('Location')).toBeNull();
    }
    // The interaction's own token, from a browser without its cookie.
    const stranger = await new LocalBrowser().post(`${path}/select`, { csrf, account: adaSid });
    expect(stranger.status).toBe(400);
    expect(stranger.headers.get('Location')).toBeNull();
    // Bob is still the current account.
    const sso = await browser.get(`/authorize?${authorizeQuery(client)}`);
    const { id_token } = (await (await exchangeCode(client, new URL(sso.headers.get('Location')!).searchParams.get('code')!)).json()) as { id_token: string };
    expect(decodeJwt(id_token).sub).toBe(bob.id);
  });

  it('consent posted from a second browser (even with the page\'s token) issues nothing and records nothing', async () => {
    const first = await createClient({ first_party: true });
    const third = await createClient();
    const victim = await signedIn(first);
    const { path, html, csrf } = await openInteraction(victim.browser, authorizeQuery(third));
    expect(isConsentPage(html)).toBe(true);
    const res = await new LocalBrowser().post(`${path}/consent`, { csrf, decision: 'allow' });
    expect(res.status).toBe(400);
    expect(res.headers.get('Location')).toBeNull();
    expect(await consentsOf(victim.user.id)).toBe(0);
  });

  it('logout confirmation without its cookie is refused and the session stays', async () => {
    const client = await createClient({ first_party: true, post_logout_redirect_uris: [PLRU] });
    const victim = await signedIn(client);
    const page = await victim.browser.get('/logout');
    const csrf = csrfOf(await page.text());
    victim.browser.dropCookie('__Host-op_logout');
    const res = await victim.browser.post('/logout/confirm', { csrf, decision: 'logout', client_id: client.client_id, post_logout_redirect_uri: PLRU });
    expect(res.status).toBe(403);
    expect(res.headers.get('Location')).toBeNull();
    expect(await sessionsOf(victim.user.id)).toBe(1);
  });
});

describe('cross-client confusion at logout', { timeout: 30_000 }, () => {
  it('a post_logout_redirect_uri registered only for client B, with client A\'s ID token: an error page, no redirect, the session stays', async () => {
    const a = await createClient({ first_party: true, post_logout_redirect_uris: ['https://rp-a.example.test/bye'] });
    const b = await createClient({ first_party: true, post_logout_redirect_uris: ['https://rp-b.example.test/bye'] });
    const victim = await signedIn(a);
    const attempts: Record<string, string>[] = [
      { id_token_hint: victim.idToken, post_logout_redirect_uri: 'https://rp-b.example.test/bye' },
      { id_token_hint: victim.idToken, client_id: b.client_id, post_logout_redirect_uri: 'https://rp-b.example.test/bye' },
    ];
    for (const params of attempts) {
      const res = await victim.browser.get(`/logout?${new URLSearchParams(params)}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('Location')).toBeNull();
      expect(await res.text()).not.toContain('rp-b.example.test');
    }
    expect(await sessionsOf(victim.user.id)).toBe(1);
  });
});
