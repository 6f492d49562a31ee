// Issue 10 "A new client works at once": a public client registered a moment ago can call /token from
// its origin straight away (the CORS origins used to sit in a 60 s isolate cache that did not know it).
import { describe, expect, it } from 'vitest';
import { authorizeInBrowser, createUser, fetchOp, pkcePair } from '../helpers';
import { initialAccessToken, register } from '../registration/local-helpers';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const preflight = (path: string, origin: string) =>
  fetchOp(path, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });

async function registerSpa(origin: string) {
  const { initial_access_token } = await initialAccessToken();
  const res = await register({ client_name: 'New SPA', redirect_uris: [`${origin}/cb`], token_endpoint_auth_method: 'none', application_type: 'web' }, initial_access_token);
  expect(res.status, await res.clone().text()).toBe(201);
  const client = (await res.json()) as { client_id: string; redirect_uris: string[] };
  return { client_id: client.client_id, redirect_uris: client.redirect_uris };
}

describe('a public client registered a moment ago', () => {
  it('gets its preflight and its token response with CORS headers at once, though the isolate already holds a cache', async () => {
    // Warm every isolate cache first: a browser request from some origin, before the client exists.
    await fetchOp('/userinfo', { headers: { Origin: 'https://warm-up.example.test' } });
    await preflight('/token', 'https://warm-up.example.test');

    const origin = `https://spa-${crypto.randomUUID().slice(0, 8)}.example.test`;
    const client = await registerSpa(origin);
    const user = await createUser();

    const pre = await preflight('/token', origin);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBe(origin);
    expect(pre.headers.get('Access-Control-Allow-Methods')).toMatch(/POST/);
    expect(pre.headers.get('Access-Control-Allow-Headers')).toMatch(/Content-Type/i);
    expect(pre.headers.get('Vary')).toMatch(/Origin/);

    const { verifier, challenge } = await pkcePair();
    const code = (await authorizeInBrowser({ client, user, scope: 'openid', codeChallenge: challenge })).searchParams.get('code')!;
    expect(code).toBeTruthy();
    const res = await fetchOp('/token', {
      method: 'POST',
      headers: { ...FORM, Origin: origin },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]!, client_id: client.client_id, code_verifier: verifier }).toString(),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(origin);
    expect(res.headers.get('Vary')).toMatch(/Origin/);
    const tokens = (await res.json()) as { access_token: string };

    // Its access token at userinfo, from its origin, is readable too.
    const info = await fetchOp('/userinfo', { headers: { Origin: origin, Authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(200);
    expect(info.headers.get('Access-Control-Allow-Origin')).toBe(origin);
  }, 30_000); // a first sign-in in a cold isolate (key generation) under a loaded machine

  it('an error answer to a brand-new client origin is readable at once (no negative cache)', async () => {
    await fetchOp('/userinfo', { headers: { Origin: 'https://warm-up.example.test' } });
    const origin = `https://spa-${crypto.randomUUID().slice(0, 8)}.example.test`;
    await registerSpa(origin);
    const err = await fetchOp('/userinfo', { headers: { Origin: origin } });
    expect(err.status).toBe(401);
    expect(err.headers.get('Access-Control-Allow-Origin')).toBe(origin);
  });

  it('a real request from an origin that is not the named client\'s gets no Access-Control-Allow-Origin', async () => {
    const own = `https://spa-${crypto.randomUUID().slice(0, 8)}.example.test`;
    const other = `https://spa-${crypto.randomUUID().slice(0, 8)}.example.test`;
    const client = await registerSpa(own);
    await registerSpa(other); // a public client's origin, but not this client's
    for (const origin of ['https://evil.example.test', other]) {
      const res = await fetchOp('/token', {
        method: 'POST',
        headers: { ...FORM, Origin: origin },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: client.redirect_uris[0]!, client_id: client.client_id, code_verifier: 'x'.repeat(43) }).toString(),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    }
    // The same request from the client's own origin is readable (an error included).
    const mine = await fetchOp('/token', {
      method: 'POST',
      headers: { ...FORM, Origin: own },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: client.redirect_uris[0]!, client_id: client.client_id, code_verifier: 'x'.repeat(43) }).toString(),
    });
    expect(mine.status).toBe(400);
    expect(mine.headers.get('Access-Control-Allow-Origin')).toBe(own);
  });
});
