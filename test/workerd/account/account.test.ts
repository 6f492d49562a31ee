import { describe, expect, it } from 'vitest';
import { ADMIN, ISSUER, createClient, createUser, csrfOf, env, exchangeCode, fetchOp } from '../helpers';
import { LocalBrowser, authorizeQuery, isConsentPage, openInteraction, runFlow } from '../authorize/local-helpers';
import { refresh } from '../tokens/helpers';

const liveSessions = async (userId: string) =>
  (await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?').bind(userId).first<{ n: number }>())!.n;

describe('account page and app launcher', () => {
  it('says so when nobody is signed in', async () => {
    const res = await new LocalBrowser().get('/account');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are not signed in');
  });

  it('lists apps (launching those with an initiate_login_uri), sessions and clients with access', async () => {
    const user = await createUser();
    const launcher = await createClient({ client_name: 'Launchable App', initiate_login_uri: 'https://rp.example.test/start?src=op' });
    const plain = await createClient({ client_name: 'Plain App', first_party: true });
    const browser = new LocalBrowser();
    await runFlow(browser, authorizeQuery(launcher), user);
    await runFlow(browser, authorizeQuery(plain), user);
    const res = await browser.get('/account');
    const html = await res.text();
    expect(html).toContain('Launchable App');
    expect(html).toContain('Plain App');
    const href = /<a class="button" href="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const launch = new URL(href);
    expect(launch.origin + launch.pathname).toBe('https://rp.example.test/start');
    expect(launch.searchParams.get('src')).toBe('op');
    expect(launch.searchParams.get('iss')).toBe(ISSUER);
    expect(launch.searchParams.get('login_hint')).toBe(`${user.username}@example.test`);
    expect(html.match(/class="button"/g)).toHaveLength(1);
    expect(html).toContain('This browser');
    // Only the third-party client holds a consent that can be removed.
    expect([...html.matchAll(/name="client_id" value="([^"]+)"/g)].map((m) => m[1])).toEqual([launcher.client_id]);
    // The forms' CSRF token is derived from the session: the page sets no cookie of its own.
    expect(csrfOf(html)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('removing access forgets the consent and revokes the client\'s grants for this user', async () => {
    const user = await createUser();
    const client = await createClient();
    const browser = new LocalBrowser();
    const callback = await runFlow(browser, authorizeQuery(client), user);
    const tokens = (await (await exchangeCode(client, callback.searchParams.get('code')!)).json()) as { access_token: string };
    const userinfo = () => fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect((await userinfo()).status).toBe(200);

    const html = await (await browser.get('/account')).text();
    expect((await browser.post('/account/revoke', { csrf: 'wrong', client_id: client.client_id })).status).toBe(403);
    expect((await userinfo()).status).toBe(200);
    const res = await browser.post('/account/revoke', { csrf: csrfOf(html), client_id: client.client_id });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Access removed');
    expect((await userinfo()).status).toBe(401);
    const revoked = await env.DB.prepare('SELECT COUNT(*) AS n FROM grants WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL').bind(user.id, client.client_id).first<{ n: number }>();
    expect(revoked!.n).toBe(0);
    const { html: next } = await openInteraction(browser, authorizeQuery(client));
    expect(isConsentPage(next)).toBe(true);
  });

  it('removing access also kills the refresh tokens of the client\'s grants', async () => {
    const user = await createUser();
    const client = await createClient({ grant_types: ['authorization_code', 'refresh_token'] });
    const browser = new LocalBrowser();
    const callback = await runFlow(browser, authorizeQuery(client, { scope: 'openid offline_access' }), user);
    const tokens = (await (await exchangeCode(client, callback.searchParams.get('code')!)).json()) as { refresh_token: string };
    expect(tokens.refresh_token).toBeTruthy();
    const html = await (await browser.get('/account')).text();
    expect((await browser.post('/account/revoke', { csrf: csrfOf(html), client_id: client.client_id })).status).toBe(200);
    const res = await refresh(client, tokens.refresh_token);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('"Sign out everywhere" ends every session of the user, with front- and back-channel logout', async () => {
    const user = await createUser();
    const client = await createClient({ first_party: true, frontchannel_logout_uri: 'https://rp.example.test/fc', backchannel_logout_uri: 'http://127.0.0.1:1/bc' });
    const [here, elsewhere] = [new LocalBrowser(), new LocalBrowser()];
    await runFlow(here, authorizeQuery(client), user);
    await runFlow(elsewhere, authorizeQuery(client), user);
    expect(await liveSessions(user.id)).toBe(2);
    const html = await (await here.get('/account')).text();
    const res = await here.post('/account/logout-all', { csrf: csrfOf(html) });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Security-Policy')).toContain('frame-src https://rp.example.test');
    expect((await res.text()).match(/<iframe/g)).toHaveLength(2);
    expect(await liveSessions(user.id)).toBe(0);
    const list = (await (await fetchOp(`/admin/logout-deliveries?client_id=${client.client_id}`, { headers: ADMIN })).json()) as { deliveries: unknown[] };
    expect(list.deliveries).toHaveLength(2);
    expect(await (await elsewhere.get('/account')).text()).toContain('You are not signed in');
  });
});
