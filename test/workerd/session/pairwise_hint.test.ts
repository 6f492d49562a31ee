// Issue 9: id_token_hint and a claims `sub` value carry the sub the client sees; for a pairwise
// client that is its own value, never the internal user id (OIDC Core §8.1, §3.1.2.1, §5.5.1).
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createUser, env, exchangeCode, type TestClient } from '../helpers';
import { LocalBrowser, authorizeQuery, isLoginPage, openInteraction, runFlow } from '../authorize/local-helpers';
import { registered } from '../registration/local-helpers';

const codeOf = (res: Response) => new URL(res.headers.get('Location')!).searchParams.get('code');
const liveSessions = async (userId: string) => (await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?').bind(userId).first<{ n: number }>())!.n;

async function pairwiseClient(): Promise<TestClient> {
  const c = await registered({ subject_type: 'pairwise', redirect_uris: [`https://rp-pw-${Math.random().toString(36).slice(2, 8)}.example.test/cb`] });
  return { client_id: c.client_id, client_secret: c.client_secret, redirect_uris: c.redirect_uris };
}

async function signedIn(client: TestClient, user: { id: string; username: string; password: string }) {
  const browser = new LocalBrowser();
  const callback = await runFlow(browser, authorizeQuery(client), user);
  const res = await exchangeCode(client, callback.searchParams.get('code')!);
  expect(res.status).toBe(200);
  const { id_token } = (await res.json()) as { id_token: string };
  const sub = decodeJwt(id_token).sub!;
  expect(sub).not.toBe(user.id);
  return { browser, hint: id_token, sub };
}

describe('pairwise clients: id_token_hint and claims sub', { timeout: 30_000 }, () => {
  it('a hint from a pairwise client answers prompt=none from the session it names', async () => {
    const ada = await createUser();
    const client = await pairwiseClient();
    const { browser, hint, sub } = await signedIn(client, ada);
    const res = await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', id_token_hint: hint })}`);
    expect(codeOf(res)).toBeTruthy();
    const claims = JSON.stringify({ id_token: { sub: { value: sub } } });
    expect(codeOf(await browser.get(`/authorize?${authorizeQuery(client, { prompt: 'none', claims })}`))).toBeTruthy();
  });

  it('the sign-in page accepts the user the pairwise hint names', async () => {
    const ada = await createUser();
    const client = await pairwiseClient();
    const { hint } = await signedIn(client, ada);
    const other = new LocalBrowser();
    const { path, html, csrf } = await openInteraction(other, authorizeQuery(client, { id_token_hint: hint }));
    expect(isLoginPage(html)).toBe(true);
    const res = await other.post(`${path}/login`, { csrf, username: ada.username, password: ada.password });
    expect(res.status).toBe(303);
    expect(codeOf(res)).toBeTruthy();
  });

  it('logout with a pairwise client\'s hint for this session ends it at once', async () => {
    const ada = await createUser();
    const client = await pairwiseClient();
    const { browser, hint } = await signedIn(client, ada);
    expect(await liveSessions(ada.id)).toBe(1);
    const res = await browser.get(`/logout?${new URLSearchParams({ id_token_hint: hint })}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are signed out');
    expect(await liveSessions(ada.id)).toBe(0);
  });
});
