// Helpers for the high-security profile tests (issue 14: PAR, JAR, DPoP, JARM). Not a test file itself.
import { expect } from 'vitest';
import { Browser, basic, csrfOf, fetchOp, type TestClient } from '../helpers';

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** The authorization parameters of a code request to the test client's first redirect URI. */
export const authParams = (client: TestClient, extra: Record<string, string> = {}): Record<string, string> => ({
  client_id: client.client_id,
  redirect_uri: client.redirect_uris[0]!,
  response_type: 'code',
  scope: 'openid profile',
  state: 'state-par',
  nonce: 'nonce-par',
  ...extra,
});

/** POSTs to /par, authenticated with the client's secret (client_secret_basic). */
export const pushRequest = (client: TestClient, params: Record<string, string>, headers: Record<string, string> = {}) =>
  fetchOp('/par', { method: 'POST', headers: { ...FORM, Authorization: basic(client), ...headers }, body: new URLSearchParams(params).toString() });

/** Pushes and expects 201: the request_uri. */
export async function pushed(client: TestClient, params: Record<string, string>): Promise<string> {
  const res = await pushRequest(client, params);
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { request_uri: string; expires_in: number };
  return body.request_uri;
}

/** Follows an authorization URL through sign-in and consent; returns the callback URL. */
export async function followInBrowser(browser: Browser, url: string, user: { username: string; password: string }): Promise<URL> {
  let res = await browser.get(url);
  for (let i = 0; i < 6; i++) {
    if (res.status !== 302 && res.status !== 303) throw new Error(`expected a redirect, got ${res.status}: ${(await res.text()).slice(0, 500)}`);
    const location = res.headers.get('Location')!;
    if (!location.startsWith('/interaction/')) return new URL(location);
    res = await browser.get(location);
    expect(res.status).toBe(200);
    const html = await res.text();
    const csrf = csrfOf(html);
    if (html.includes('/login"')) res = await browser.post(`${location}/login`, { csrf, username: user.username, password: user.password });
    else res = await browser.post(`${location}/consent`, { csrf, decision: 'allow' });
  }
  throw new Error('authorization flow did not finish');
}
