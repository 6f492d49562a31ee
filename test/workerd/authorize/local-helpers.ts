import { expect } from 'vitest';
import { Browser as LocalBrowser, ISSUER, csrfOf, type TestClient } from '../helpers';

/** The shared browser (helpers.ts), which already sends its own client IP; the old name is kept for callers. */
export { LocalBrowser };

export const REDIRECT = 'https://rp.example.test/cb';

/** An /authorize query for the client, with the usual valid parameters unless overridden; `null` removes one. */
export function authorizeQuery(client: TestClient, params: Record<string, string | null> = {}): string {
  const base: Record<string, string | null> = {
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0]!,
    response_type: 'code',
    scope: 'openid',
    state: 'st-789',
    nonce: 'n-1',
    ...params,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v !== null) q.append(k, v);
  return q.toString();
}

/** RFC 6749 §4.1.2.1 / OIDC Core §3.1.2.6: an error sent back to the registered redirect_uri, with state and iss. */
export function expectErrorRedirect(res: Response, error: string, opts: { state?: string | null; redirectUri?: string } = {}): URL {
  expect([302, 303]).toContain(res.status);
  const location = res.headers.get('Location');
  expect(location).toBeTruthy();
  const url = new URL(location!);
  expect(url.origin + url.pathname).toBe(opts.redirectUri ?? REDIRECT);
  expect(url.searchParams.get('error')).toBe(error);
  expect(url.searchParams.has('code')).toBe(false);
  expect(url.searchParams.get('iss')).toBe(ISSUER);
  const state = opts.state === undefined ? 'st-789' : opts.state;
  if (state === null) expect(url.searchParams.has('state')).toBe(false);
  else expect(url.searchParams.get('state')).toBe(state);
  const description = url.searchParams.get('error_description');
  if (description !== null) expect(description).not.toMatch(/["\\]/);
  expect(url.hash).toBe('');
  return url;
}

/** The same, for an error delivered in the fragment (Multiple Response Types §5: implicit and hybrid requests). */
export function expectFragmentError(res: Response, error: string, opts: { state?: string | null } = {}): URLSearchParams {
  expect([302, 303]).toContain(res.status);
  const url = new URL(res.headers.get('Location')!);
  expect(url.origin + url.pathname).toBe(REDIRECT);
  // Nothing in the query: an error there is what the conformance suite's RejectErrorInUrlQuery fails.
  expect(url.search).toBe('');
  const params = new URLSearchParams(url.hash.slice(1));
  expect(params.get('error')).toBe(error);
  expect(params.get('iss')).toBe(ISSUER);
  const state = opts.state === undefined ? 'st-789' : opts.state;
  if (state === null) expect(params.has('state')).toBe(false);
  else expect(params.get('state')).toBe(state);
  return params;
}

/** An error that must be shown to the user and never redirected (RFC 6749 §4.1.2.1). */
export async function expectErrorPage(res: Response, status = 400): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Location')).toBeNull();
  expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
  expect(res.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
  const html = await res.text();
  expect(html).toMatch(/^<!DOCTYPE html>/i);
  // No link back to the client's redirect_uri either.
  expect(html).not.toContain('rp.example.test');
  return html;
}

/** The text of the login page's alert, or null. */
export function alertOf(html: string): string | null {
  const m = /<p class="alert" role="alert">([\s\S]*?)<\/p>/.exec(html);
  return m ? m[1]!.trim() : null;
}

export const isLoginPage = (html: string) => /name="password"/.test(html) && /action="\/interaction\/[^"]+\/login"/.test(html);
export const isConsentPage = (html: string) => /name="decision"/.test(html) && /action="\/interaction\/[^"]+\/consent"/.test(html);

/** Starts an authorization request; expects the redirect to an interaction page, opens it, returns its path, html and csrf. */
export async function openInteraction(browser: LocalBrowser, query: string): Promise<{ path: string; html: string; csrf: string; page: Response }> {
  const res = await browser.get(`/authorize?${query}`);
  expect(res.status).toBe(302);
  const path = res.headers.get('Location')!;
  expect(path).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
  const page = await browser.get(path);
  expect(page.status).toBe(200);
  const html = await page.text();
  return { path, html, csrf: csrfOf(html), page };
}

/**
 * Follows redirects and interaction pages, signing in and consenting as needed, until the response
 * goes back to the client; returns that final callback URL.
 */
export async function runFlow(browser: LocalBrowser, query: string, user: { username: string; password: string }): Promise<URL> {
  let res = await browser.get(`/authorize?${query}`);
  for (let i = 0; i < 6; i++) {
    expect([302, 303]).toContain(res.status);
    const location = res.headers.get('Location')!;
    if (!location.startsWith('/interaction/')) return new URL(location);
    res = await browser.get(location);
    expect(res.status).toBe(200);
    const html = await res.text();
    const csrf = csrfOf(html);
    if (isLoginPage(html)) res = await browser.post(`${location}/login`, { csrf, username: user.username, password: user.password });
    else res = await browser.post(`${location}/consent`, { csrf, decision: 'allow' });
  }
  throw new Error('authorization flow did not finish');
}

