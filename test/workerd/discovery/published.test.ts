// Issue 10: discovery and JWKS are answered from the isolate's memory ahead of the Hono app
// (src/routes/published.ts). The answer must be the one the app's own routes give, with the same
// headers, 304 handling and one log line per request; anything unusual goes to the app.
import { createExecutionContext } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../../src/app';
import { forgetKeySet } from '../../../src/keys/keystore';
import { publishedFromMemory } from '../../../src/routes/published';
import { ISSUER, env, fetchOp } from '../helpers';

const PATHS = ['/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** The app's own answer (its routes and middleware, never the path ahead of it). */
const viaApp = (path: string, init?: RequestInit) => app.fetch(new Request(`${ISSUER}${path}`, init), env, createExecutionContext());
const headersOf = (res: Response) => [...res.headers].filter(([k]) => k !== 'date').sort();

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
});
afterEach(() => vi.restoreAllMocks());
const requestLines = () => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'request');

describe('published documents ahead of the app', () => {
  it.each(PATHS)('%s: from memory once warm, with the same status, body and headers as the app, for 200 and 304', async (path) => {
    await fetchOp(path); // warms the key set and the rendered document
    const fast = publishedFromMemory(new Request(`${ISSUER}${path}`), env);
    expect(fast).toBeDefined();
    const slow = await viaApp(path);
    expect(fast!.status).toBe(200);
    expect(slow.status).toBe(200);
    expect(headersOf(fast!)).toEqual(headersOf(slow));
    expect(await fast!.text()).toBe(await slow.text());
    for (const h of ['Content-Security-Policy', 'X-Frame-Options', 'X-Content-Type-Options', 'Referrer-Policy', 'ETag', 'Cache-Control']) {
      expect(fast!.headers.get(h), h).toBeTruthy();
    }

    const etag = fast!.headers.get('ETag')!;
    const fast304 = publishedFromMemory(new Request(`${ISSUER}${path}`, { headers: { 'If-None-Match': `"other", ${etag}` } }), env)!;
    const slow304 = await viaApp(path, { headers: { 'If-None-Match': `"other", ${etag}` } });
    expect(fast304.status).toBe(304);
    expect(slow304.status).toBe(304);
    expect(headersOf(fast304)).toEqual(headersOf(slow304));
    expect(fast304.headers.get('Content-Type')).toBeNull();
    expect(await fast304.text()).toBe('');
  });

  it('logs one JSON line per request with the route pattern, never the query', async () => {
    await fetchOp('/jwks');
    lines = [];
    const res = await fetchOp('/jwks?secret-looking-query=1', { headers: { 'cf-ray': '8f00aa11bb22cc44-AMS' } });
    expect(res.status).toBe(200);
    const etag = res.headers.get('ETag')!;
    expect((await fetchOp('/.well-known/openid-configuration')).status).toBe(200);
    expect((await fetchOp('/jwks', { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const logged = requestLines();
    expect(logged).toHaveLength(3);
    expect(logged[0]).toMatchObject({ request_id: '8f00aa11bb22cc44-AMS', method: 'GET', route: '/jwks', status: 200 });
    expect(typeof logged[0]!.duration_ms).toBe('number');
    expect(logged[1]).toMatchObject({ method: 'GET', route: '/.well-known/openid-configuration', status: 200 });
    expect(logged[1]!.request_id).toMatch(/^[\w-]{8,}$/);
    expect(logged[2]).toMatchObject({ route: '/jwks', status: 304 });
    expect(lines.join('\n')).not.toContain('secret-looking-query');
  });

  it('leaves everything else to the app: other methods, HEAD, other paths, encoded paths, a cold isolate', async () => {
    await fetchOp('/jwks');
    await fetchOp('/.well-known/openid-configuration');
    const none = (path: string, init?: RequestInit) => publishedFromMemory(new Request(`${ISSUER}${path}`, init), env);
    expect(none('/jwks', { method: 'POST' })).toBeUndefined();
    expect(none('/jwks', { method: 'HEAD' })).toBeUndefined();
    expect(none('/jwks/')).toBeUndefined();
    expect(none('/%6Awks')).toBeUndefined();
    expect(none('/token')).toBeUndefined();
    expect(none('/.well-known/openid-configuration/extra')).toBeUndefined();

    // HEAD and POST still get the app's answers.
    const head = await fetchOp('/jwks', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(head.headers.get('Content-Security-Policy')).toBeTruthy();
    expect((await fetchOp('/jwks', { method: 'POST' })).status).toBe(405);

    // Cold: nothing in memory, so the app loads the key set and answers; then memory serves again.
    forgetKeySet();
    expect(none('/jwks')).toBeUndefined();
    expect(none('/.well-known/openid-configuration')).toBeUndefined();
    const cold = await fetchOp('/jwks');
    expect(cold.status).toBe(200);
    // (A cold isolate may answer from the colo's edge copy and load the key set after the response.)
    await vi.waitFor(() => expect(none('/jwks')).toBeDefined());
  });
});
