// Issue 10, faults: the REAL D1, KV and Durable Objects behind a fault-injecting wrapper
// (src/storage/binding_proxy.ts) that fails the Nth call of a chosen kind. Idempotent calls are
// retried; a failure that survives is a clean 503 temporarily_unavailable with Retry-After, and
// nothing is half-written: repeating the step afterwards succeeds.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../../src/index';
import type { Bindings } from '../../../src/env';
import { forgetKeySet } from '../../../src/keys/keystore';
import { wrapBindings, type Trip, type TripKind } from '../../../src/storage/binding_proxy';
import { basic, createClient, createUser, csrfOf, ISSUER, type TestClient } from '../helpers';

interface Fault {
  kind: TripKind;
  /** Only calls whose label (SQL, KV method + key, DO method) matches count. */
  match?: RegExp;
  /** The first failing call (1 = the first matching call). */
  nth?: number;
  /** How many consecutive matching calls fail (default 1; Infinity = all from nth on). */
  times?: number;
  /** Fail after the call reached storage (the answer is lost), not before. */
  afterCall?: boolean;
}

/** The real bindings, failing the calls `fault` names with a transient error as D1 or a DO would. */
function faulty(fault: Fault) {
  let seen = 0;
  let failed = 0;
  const first = fault.nth ?? 1;
  const last = first + (fault.times ?? 1) - 1;
  const hook = <T,>(trip: Trip, call: () => Promise<T>): Promise<T> => {
    if (trip.kind === fault.kind && (!fault.match || fault.match.test(trip.label))) {
      seen++;
      if (seen >= first && seen <= last) {
        failed++;
        const err = new Error(trip.kind === 'do' ? 'Network connection lost.' : 'D1_ERROR: Network connection lost.');
        if (trip.kind === 'do') (err as Error & { retryable: boolean }).retryable = true;
        return fault.afterCall ? call().then(() => Promise.reject(err)) : Promise.reject(err);
      }
    }
    return call();
  };
  return { env: wrapBindings(env as unknown as Bindings, hook), failed: () => failed };
}

async function send(bindings: Bindings, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch!(new Request(`${ISSUER}${path}`, { redirect: 'manual', ...init }) as never, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const healthy = () => env as unknown as Bindings;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** A cookie jar over send(), each request with the bindings given. */
class Jar {
  private cookies = new Map<string, string>();
  async go(bindings: Bindings, path: string, form?: Record<string, string>): Promise<Response> {
    const headers = new Headers(form ? FORM : {});
    if (this.cookies.size) headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await send(bindings, path, form ? { method: 'POST', headers, body: new URLSearchParams(form).toString() } : { headers });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (!value || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

const authorizePath = (client: TestClient, scope = 'openid offline_access') =>
  `/authorize?${new URLSearchParams({ client_id: client.client_id, redirect_uri: client.redirect_uris[0]!, response_type: 'code', scope, state: 's', nonce: 'n', prompt: 'consent' })}`;

/** Up to the sign-in form: returns the interaction path and its CSRF token. */
async function toSignIn(jar: Jar, client: TestClient) {
  const res = await jar.go(healthy(), authorizePath(client));
  expect(res.status).toBe(302);
  const location = res.headers.get('Location')!;
  const page = await jar.go(healthy(), location);
  expect(page.status).toBe(200);
  return { location, csrf: csrfOf(await page.text()) };
}

/** From a sign-in form to the code (the consent of a first-party client is implied). */
async function finish(jar: Jar, location: string, csrf: string, user: { username: string; password: string }, bindings = healthy()): Promise<Response> {
  let res = await jar.go(bindings, `${location}/login`, { csrf, username: user.username, password: user.password });
  for (let i = 0; i < 4 && res.status === 303 && res.headers.get('Location')!.startsWith('/interaction/'); i++) {
    const next = res.headers.get('Location')!;
    const page = await jar.go(bindings, next);
    if (page.status !== 200) return page;
    res = await jar.go(bindings, `${next}/consent`, { csrf: csrfOf(await page.text()), decision: 'allow' });
  }
  return res;
}

const codeOf = (res: Response) => new URL(res.headers.get('Location')!).searchParams.get('code')!;

const redeem = (bindings: Bindings, client: TestClient, code: string) =>
  send(bindings, '/token', {
    method: 'POST',
    headers: { ...FORM, Authorization: basic(client) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]! }).toString(),
  });

const refreshWith = (bindings: Bindings, client: TestClient, token: string) =>
  send(bindings, '/token', { method: 'POST', headers: { ...FORM, Authorization: basic(client) }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString() });

async function expectUnavailableJson(res: Response) {
  const text = await res.text();
  expect(res.status, text).toBe(503);
  expect(res.headers.get('Retry-After')).toMatch(/^\d+$/);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(JSON.parse(text)).toMatchObject({ error: 'temporarily_unavailable' });
}

async function tokensFor(client: TestClient) {
  const user = await createUser();
  const jar = new Jar();
  const { location, csrf } = await toSignIn(jar, client);
  const res = await redeem(healthy(), client, codeOf(await finish(jar, location, csrf, user)));
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

const liveGrants = async (clientId: string) =>
  (await env.DB.prepare('SELECT COUNT(*) AS n FROM grants WHERE client_id = ? AND revoked_at IS NULL').bind(clientId).first<{ n: number }>())!.n;
const families = async (clientId: string) =>
  (await env.DB.prepare('SELECT generation FROM refresh_token_families WHERE client_id = ?').bind(clientId).all<{ generation: number }>()).results.map((r) => r.generation);

describe('transient storage failures', () => {
  it('a D1 read that fails once is retried: the token request succeeds', async () => {
    const client = await createClient({ grant_types: ['client_credentials'], scope: 'api:read' });
    const f = faulty({ kind: 'd1', match: /FROM clients/ });
    const res = await send(f.env, '/token', { method: 'POST', headers: { ...FORM, Authorization: basic(client) }, body: 'grant_type=client_credentials' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(f.failed()).toBe(1);
  });

  it('a D1 read that keeps failing: 503 temporarily_unavailable with Retry-After, as JSON on the token endpoint', async () => {
    const client = await createClient({ grant_types: ['client_credentials'], scope: 'api:read' });
    const f = faulty({ kind: 'd1', match: /FROM clients/, times: Infinity });
    await expectUnavailableJson(await send(f.env, '/token', { method: 'POST', headers: { ...FORM, Authorization: basic(client) }, body: 'grant_type=client_credentials' }));
    expect(f.failed()).toBe(3); // the first attempt and two retries
  });

  it('on a page: 503 as an HTML page with Retry-After', async () => {
    const client = await createClient();
    const f = faulty({ kind: 'd1', times: Infinity });
    const res = await send(f.env, authorizePath(client, 'openid'));
    expect(res.status).toBe(503);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(res.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(await res.text()).toContain('Temporarily unavailable');
  });

  it('a KV read that fails once is retried (cold key set)', async () => {
    forgetKeySet();
    const f = faulty({ kind: 'kv', match: /^get/ });
    const res = await send(f.env, '/jwks');
    expect(res.status).toBe(200);
    expect(f.failed()).toBe(1);
  });
});

describe('sign-in', () => {
  it('the session write fails (a plain INSERT, not retried): 503 page, no session, the interaction unchanged; signing in again works', async () => {
    const client = await createClient({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    const user = await createUser();
    const jar = new Jar();
    const { location, csrf } = await toSignIn(jar, client);
    const f = faulty({ kind: 'd1', match: /^INSERT INTO sessions/, times: Infinity });
    const res = await jar.go(f.env, `${location}/login`, { csrf, username: user.username, password: user.password });
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(f.failed()).toBe(1);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?').bind(user.id).first<{ n: number }>()).toEqual({ n: 0 });
    // The interaction (a sealed cookie) is not rewritten: the 503 sets no cookie at all.
    expect(res.headers.getSetCookie()).toEqual([]);
    // The person presses the button again.
    const done = await finish(jar, location, csrf, user);
    expect(done.status).toBe(303);
    expect(codeOf(done)).toBeTruthy();
  });

  it("the code's Durable Object fails once when the code is stored: retried, the flow completes", async () => {
    const client = await createClient({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    const user = await createUser();
    const jar = new Jar();
    const { location, csrf } = await toSignIn(jar, client);
    const f = faulty({ kind: 'do', match: /^store$/ });
    const done = await finish(jar, location, csrf, user, f.env);
    expect(f.failed()).toBe(1);
    expect((await redeem(healthy(), client, codeOf(done))).status).toBe(200);
  });
});

describe('code redemption', () => {
  it('the grant batch keeps failing: 503, and no grant or refresh token family is left behind', async () => {
    const client = await createClient({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    const user = await createUser();
    const jar = new Jar();
    const { location, csrf } = await toSignIn(jar, client);
    const code = codeOf(await finish(jar, location, csrf, user));
    const f = faulty({ kind: 'd1-batch', match: /INSERT INTO grants/, times: Infinity });
    await expectUnavailableJson(await redeem(f.env, client, code));
    expect(f.failed()).toBe(3);
    expect(await liveGrants(client.client_id)).toBe(0);
    expect(await families(client.client_id)).toEqual([]);
  });

  it('the redemption call to the Durable Object fails (not idempotent, not retried): 503; the code was not consumed and works', async () => {
    const client = await createClient({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    const user = await createUser();
    const jar = new Jar();
    const { location, csrf } = await toSignIn(jar, client);
    const code = codeOf(await finish(jar, location, csrf, user));
    const f = faulty({ kind: 'do', match: /^redeem$/ });
    await expectUnavailableJson(await redeem(f.env, client, code));
    expect(f.failed()).toBe(1);
    const res = await redeem(healthy(), client, code);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await liveGrants(client.client_id)).toBe(1);
  });
});

describe('refresh', () => {
  it('the answer of the rotation batch is lost once: retried (a compare-and-swap), rotated exactly once', async () => {
    const client = await createClient({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    const tokens = await tokensFor(client);
    const f = faulty({ kind: 'd1-batch', match: /refresh_token_families/, afterCall: true });
    const res = await refreshWith(f.env, client, tokens.refresh_token);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(f.failed()).toBe(1);
    expect(await families(client.client_id)).toEqual([1]);
  });

  it('the rotation keeps failing: 503, the family unchanged; the same refresh token then works', async () => {
    const client = await createClient({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    const tokens = await tokensFor(client);
    const f = faulty({ kind: 'd1-batch', match: /refresh_token_families/, times: Infinity });
    await expectUnavailableJson(await refreshWith(f.env, client, tokens.refresh_token));
    expect(await families(client.client_id)).toEqual([0]);
    const res = await refreshWith(healthy(), client, tokens.refresh_token);
    expect(res.status).toBe(200);
    expect(await families(client.client_id)).toEqual([1]);
    expect(await liveGrants(client.client_id)).toBe(1);
  });
});
