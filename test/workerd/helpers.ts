import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export const ISSUER = 'https://op.example.test';
export const ADMIN = { Authorization: 'Bearer test-admin-token-0123456789abcdefghij', 'Content-Type': 'application/json' };

let ipCounter = 0;
/** A source IP of its own, so the per-IP throttles of one test never count another test's requests. */
export const freshIp = () => `203.0.113.${(ipCounter++ % 250) + 1}-${Math.random().toString(36).slice(2, 8)}`;

/** Sends the request as a fresh source IP unless it names one (CF-Connecting-IP). */
function withSourceIp(init: RequestInit | undefined, ip = freshIp()): RequestInit {
  const headers = new Headers(init?.headers);
  if (!headers.has('CF-Connecting-IP')) headers.set('CF-Connecting-IP', ip);
  return { ...init, headers };
}

export const fetchOp = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`${ISSUER}${path}`, { redirect: 'manual', ...withSourceIp(init) }));

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

/** A minimal browser: keeps cookies per path prefix and reads forms. */
export class Browser {
  private cookies = new Map<string, { value: string; path: string }>();
  /** Each browser is its own source IP (per-IP throttles). */
  readonly ip = freshIp();

  async get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.send(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const full = url.startsWith('http') ? url : `${ISSUER}${url}`;
    const path = new URL(full).pathname;
    const cookie = [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([k, c]) => `${k}=${c.value}`).join('; ');
    const headers = new Headers(init.headers);
    if (cookie) headers.set('Cookie', cookie);
    const res = await exports.default.fetch(new Request(full, { ...withSourceIp({ ...init, headers }, this.ip), redirect: 'manual' }));
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      const pathAttr = attrs.map((a: string) => a.trim()).find((a: string) => a.toLowerCase().startsWith('path='));
      const maxAge = attrs.map((a: string) => a.trim()).find((a: string) => a.toLowerCase().startsWith('max-age='));
      const key = name!.trim();
      if (maxAge === 'Max-Age=0' || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { value: value!, path: pathAttr ? pathAttr.slice(5) : '/' });
    }
    return res;
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
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
  let res = await browser.get(`/authorize?${q}`);
  for (let i = 0; i < 6; i++) {
    if (res.status !== 302 && res.status !== 303) throw new Error(`expected a redirect, got ${res.status}: ${(await res.text()).slice(0, 500)}`);
    const location = res.headers.get('Location')!;
    if (!location.startsWith('/interaction/')) return new URL(location);
    res = await browser.get(location);
    expect(res.status).toBe(200);
    const html = await res.text();
    const csrf = csrfOf(html);
    if (html.includes('/login"')) {
      res = await browser.post(`${location}/login`, { csrf, username: o.user.username, password: o.user.password });
    } else {
      res = await browser.post(`${location}/consent`, { csrf, decision: 'allow' });
    }
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
