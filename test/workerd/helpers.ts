import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export const ISSUER = 'https://op.example.test';
export const ADMIN = { Authorization: 'Bearer test-admin-token-0123456789abcdefghij', 'Content-Type': 'application/json' };

let ipCounter = 0;
/** A client IP no other browser or test uses (10.0.0.0/8; random high part, as files run in parallel). */
export const uniqueIp = () => {
  const n = (Math.floor(Math.random() * 0x4000) << 10) | (ipCounter++ & 0x3ff);
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

const ipPerTest = new Map<string, string>();
/** A source IP of its own (per-IP throttles never count another test's requests). */
export const freshIp = uniqueIp;

/** One client IP per test: repeated requests of a test share it, like one client; tests never share one. */
export function testIp(): string {
  const { testPath, currentTestName } = expect.getState();
  const key = `${testPath}#${currentTestName}`;
  let ip = ipPerTest.get(key);
  if (!ip) ipPerTest.set(key, (ip = uniqueIp()));
  return ip;
}

/** A request to the OP, from this test's client IP unless the caller sets CF-Connecting-IP. */
export const fetchOp = (path: string, init?: RequestInit) => {
  const headers = new Headers(init?.headers);
  if (!headers.has('CF-Connecting-IP')) headers.set('CF-Connecting-IP', testIp());
  return exports.default.fetch(new Request(`${ISSUER}${path}`, { redirect: 'manual', ...init, headers }));
};

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function createClient(overrides: Record<string, unknown> = {}): Promise<TestClient> {
  const res = await fetchOp('/admin/clients', {
    method: 'POST',
    headers: ADMIN,
    body: JSON.stringify({ client_name: 'Test App', redirect_uris: ['https://rp.example.test/cb'], ...overrides }),
  });
  expect(res.status).toBe(201);
  return res.json();
}

export async function createUser(overrides: Record<string, unknown> = {}) {
  const username = unique('user');
  const password = 'correct horse battery staple';
  const res = await fetchOp('/admin/users', {
    method: 'POST',
    headers: ADMIN,
    body: JSON.stringify({ username, password, email: `${username}@example.test`, given_name: 'Ada', family_name: 'Lovelace', ...overrides }),
  });
  expect(res.status).toBe(201);
  const user = (await res.json()) as { id: string };
  return { id: user.id, username, password };
}

/**
 * A minimal browser: keeps cookies per path prefix and sends its own client IP (CF-Connecting-IP,
 * distinct per browser unless `ip` is given) so login and sign-up throttling never leak between tests.
 */
export class Browser {
  readonly ip: string;
  private cookies = new Map<string, { value: string; path: string }>();

  constructor(opts: { ip?: string } = {}) {
    this.ip = opts.ip ?? uniqueIp();
  }

  get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.postRaw(url, new URLSearchParams(form).toString());
  }

  postRaw(url: string, body: string, contentType = 'application/x-www-form-urlencoded'): Promise<Response> {
    return this.send(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const full = url.startsWith('http') ? url : `${ISSUER}${url}`;
    const path = new URL(full).pathname;
    const cookie = [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([k, c]) => `${k}=${c.value}`).join('; ');
    const headers = new Headers(init.headers);
    if (cookie) headers.set('Cookie', cookie);
    headers.set('CF-Connecting-IP', this.ip);
    const res = await exports.default.fetch(new Request(full, { ...init, headers, redirect: 'manual' }));
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const name = pair!.slice(0, pair!.indexOf('=')).trim();
      const value = pair!.slice(pair!.indexOf('=') + 1);
      const trimmed = attrs.map((a) => a.trim());
      const pathAttr = trimmed.find((a) => a.toLowerCase().startsWith('path='));
      const maxAge = trimmed.find((a) => a.toLowerCase().startsWith('max-age='));
      if (maxAge?.toLowerCase() === 'max-age=0' || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, path: pathAttr ? pathAttr.slice(5) : '/' });
    }
    return res;
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }

  /** Plants a cookie, as an attacker who can write this browser's cookies would. */
  plantCookie(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path });
  }

  /** Drops a cookie, as the browser does with a session cookie when it closes. */
  dropCookie(name: string): void {
    this.cookies.delete(name);
  }

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  cookieValue(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }
}

/** The current second of the clock the Worker stamps tokens with (iat, auth_time). */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Waits (polling, with a deadline) until the clock has moved past `second`, so a later timestamp
 * is strictly greater. Nothing is proved by the wait itself; tests then compare the timestamps.
 */
export async function clockPasses(second = nowSeconds(), deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (nowSeconds() <= second) {
    if (Date.now() > deadline) throw new Error(`the clock did not pass ${second} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no csrf token in page: ${html.slice(0, 200)}`);
  return m[1]!;
}

export interface FlowOptions {
  client: TestClient;
  user: { username: string; password: string };
  browser?: Browser;
  scope?: string;
  extra?: Record<string, string>;
  codeChallenge?: string;
}

/** Runs the browser part of the code flow and returns the callback URL. */
export async function authorizeInBrowser(o: FlowOptions): Promise<URL> {
  const browser = o.browser ?? new Browser();
  const q = new URLSearchParams({
    client_id: o.client.client_id,
    redirect_uri: o.client.redirect_uris[0]!,
    response_type: 'code',
    scope: o.scope ?? 'openid profile email',
    state: 'state-123',
    nonce: 'nonce-456',
    ...(o.codeChallenge ? { code_challenge: o.codeChallenge, code_challenge_method: 'S256' } : {}),
    ...o.extra,
  });
  return followAuthorization(browser, `/authorize?${q}`, o.user);
}

/** Follows an authorization URL through the sign-in and consent pages; returns the callback URL. */
export async function followAuthorization(browser: Browser, url: string, user: { username: string; password: string }): Promise<URL> {
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

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return { verifier, challenge };
}

export const basic = (client: TestClient) => `Basic ${btoa(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret!)}`)}`;

export async function exchangeCode(client: TestClient, code: string, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const body: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]!, ...extra };
  if (client.client_secret) headers.Authorization = basic(client);
  else body.client_id = client.client_id;
  return fetchOp('/token', { method: 'POST', headers, body: new URLSearchParams(body).toString() });
}

/** A full code flow: returns the token response. */
export async function obtainTokens(o: FlowOptions): Promise<{ access_token: string; id_token: string; scope: string }> {
  const callback = await authorizeInBrowser(o);
  const code = callback.searchParams.get('code');
  expect(code).toBeTruthy();
  const res = await exchangeCode(o.client, code!);
  expect(res.status).toBe(200);
  return res.json();
}

export { env };
