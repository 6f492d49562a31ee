// RFC 6749 §6, OIDC Core §11/§12, RFC 9700 §4.14: refresh tokens, rotation, reuse detection.
import { describe, expect, it } from 'vitest';
import {
  basicAuth,
  claimsOf,
  codeFlow,
  createClient,
  createUser,
  env,
  expectError,
  expectTokens,
  fetchOp,
  introspect,
  postForm,
  refresh,
  refreshClient,
  userinfo,
} from './helpers';
import { ADMIN, authorizeInBrowser, Browser, clockPasses, csrfOf } from '../helpers';

const grantIdOf = (accessToken: string) => claimsOf(accessToken).gid as string;

async function refreshRowsOf(grantId: string) {
  const { results } = await env.DB.prepare('SELECT id, generation, rotated_at, expires_at FROM refresh_token_families WHERE grant_id = ?').bind(grantId).all<{ id: string; generation: number; rotated_at: number | null }>();
  return results;
}

describe('refresh tokens: issuance (OIDC Core §11)', () => {
  it('first-party client with the refresh_token grant and offline_access -> refresh_token, offline_access in scope', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    expect(typeof tokens.refresh_token).toBe('string');
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.scope.split(' ')).toContain('offline_access');
    expect(claimsOf(tokens.access_token).scope).toContain('offline_access');
  });

  it('a third-party client gets a refresh_token after the user approved offline_access on the consent page', async () => {
    const client = await refreshClient({ first_party: false });
    const user = await createUser();
    const browser = new Browser();
    const q = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: client.redirect_uris[0]!,
      response_type: 'code',
      scope: 'openid offline_access',
      state: 's',
      nonce: 'n',
      prompt: 'consent',
    });
    let res = await browser.get(`/authorize?${q}`);
    let location = res.headers.get('Location')!;
    res = await browser.get(location);
    res = await browser.post(`${location}/login`, { csrf: csrfOf(await res.text()), username: user.username, password: user.password });
    location = res.headers.get('Location')!;
    expect(location).toMatch(/^\/interaction\//);
    res = await browser.get(location);
    const consentPage = await res.text();
    // The consent page tells the user about offline access.
    expect(consentPage).toMatch(/offline_access|Keep access while you are not using it/);
    res = await browser.post(`${location}/consent`, { csrf: csrfOf(consentPage), decision: 'allow' });
    const callback = new URL(res.headers.get('Location')!);
    const code = callback.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const tokens = await expectTokens(await postForm('/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]! }, basicAuth(client)));
    expect(typeof tokens.refresh_token).toBe('string');
    expect(tokens.scope.split(' ')).toContain('offline_access');
  });

  it('no refresh_token without offline_access, even for a client allowed the grant', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client, { scope: 'openid profile' });
    expect(tokens).not.toHaveProperty('refresh_token');
    expect(tokens.scope.split(' ')).not.toContain('offline_access');
  });

  it('no refresh_token for a client lacking the refresh_token grant: offline_access is dropped from the scope', async () => {
    const client = await createClient({ first_party: true });
    const { tokens } = await codeFlow(client);
    expect(tokens).not.toHaveProperty('refresh_token');
    expect(tokens.scope.split(' ')).not.toContain('offline_access');
    expect(claimsOf(tokens.access_token).scope).not.toContain('offline_access');
  });

  it('a client lacking the refresh_token grant presenting a refresh token -> unauthorized_client', async () => {
    const owner = await refreshClient();
    const { tokens } = await codeFlow(owner);
    const other = await createClient({ first_party: true });
    await expectError(await refresh(other, tokens.refresh_token!), 'unauthorized_client');
  });
});

describe('refresh tokens: rotation and reuse (RFC 9700 §4.14.2)', () => {
  it('rotates: a new, different refresh token; a new access token that works at userinfo', async () => {
    const client = await refreshClient();
    const { tokens, user } = await codeFlow(client);
    const next = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.access_token).not.toBe(tokens.access_token);
    expect(next.token_type).toBe('Bearer');
    expect(next.expires_in).toBeGreaterThan(0);
    expect(next.scope.split(' ').sort()).toEqual(['offline_access', 'openid']);
    expect(grantIdOf(next.access_token)).toBe(grantIdOf(tokens.access_token));
    const info = await userinfo(next.access_token);
    expect(info.status).toBe(200);
    expect(((await info.json()) as { sub: string }).sub).toBe(user.id);
    // The successor rotates in turn.
    const third = await expectTokens(await refresh(client, next.refresh_token!));
    expect(third.refresh_token).not.toBe(next.refresh_token);
    expect(third.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('the token response of a refresh is not cacheable', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const res = await refresh(client, tokens.refresh_token!);
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });

  it(
    'reuse within the interval returns the same pair; reuse after it -> invalid_grant and the whole family is revoked',
    async () => {
      const client = await refreshClient();
      const { tokens } = await codeFlow(client);
      const first = await expectTokens(await refresh(client, tokens.refresh_token!));
      const retry = await expectTokens(await refresh(client, tokens.refresh_token!));
      expect(retry.refresh_token).toBe(first.refresh_token);
      expect(retry.access_token).toBe(first.access_token);

      // The newest pair of the family.
      const newest = await expectTokens(await refresh(client, first.refresh_token!));
      expect((await userinfo(newest.access_token)).status).toBe(200);
      expect((await introspect(client, newest.access_token)).active).toBe(true);

      await clockPasses(claimsOf(first.access_token).iat! + 5, 10_000); // past the 5 s reuse interval of the rotation
      await expectError(await refresh(client, tokens.refresh_token!), 'invalid_grant');

      // RFC 9700 §4.14.2: the family is revoked; the newest tokens stop working too.
      const info = await userinfo(newest.access_token);
      expect(info.status).toBe(401);
      expect(info.headers.get('WWW-Authenticate')).toMatch(/error="invalid_token"/);
      expect(await introspect(client, newest.access_token)).toEqual({ active: false });
      expect(await introspect(client, newest.refresh_token!)).toEqual({ active: false });
      await expectError(await refresh(client, newest.refresh_token!), 'invalid_grant');
      expect((await userinfo(tokens.access_token)).status).toBe(401);
    },
    30_000,
  );

  it('20 parallel refreshes of one token: all 200 with one identical pair; the grant keeps one row, one generation further', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const gid = grantIdOf(tokens.access_token);
    expect(await refreshRowsOf(gid)).toHaveLength(1);
    const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(client, tokens.refresh_token!)));
    const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> })));
    expect(bodies.map((b) => b.status)).toEqual(Array(20).fill(200));
    const refreshTokens = new Set(bodies.map((b) => b.body.refresh_token));
    expect(refreshTokens.size).toBe(1);
    const [successor] = [...refreshTokens];
    expect(successor).not.toBe(tokens.refresh_token);
    // One new token pair: the access tokens carry a single jti.
    expect(new Set(bodies.map((b) => claimsOf(b.body.access_token!).jti)).size).toBe(1);

    const rows = await refreshRowsOf(gid);
    expect(rows).toHaveLength(1);
    // Consistent family state: rotated exactly once (generation 0 -> 1).
    expect(rows[0]!.generation).toBe(1);
    expect(rows[0]!.rotated_at).not.toBeNull();
    const grant = await env.DB.prepare('SELECT revoked_at FROM grants WHERE id = ?').bind(gid).first<{ revoked_at: number | null }>();
    expect(grant?.revoked_at).toBeNull();
    // And the successor is a working refresh token.
    const next = await expectTokens(await refresh(client, successor!));
    expect(next.refresh_token).not.toBe(successor);
    expect((await userinfo(next.access_token)).status).toBe(200);
  });
});

describe('refresh tokens: scope (RFC 6749 §6)', () => {
  it('narrowing: the access token gets the narrower scope; the refresh token keeps the whole grant', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client, { scope: 'openid offline_access profile email' });
    expect(tokens.scope.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);
    const narrow = await expectTokens(await refresh(client, tokens.refresh_token!, { scope: 'openid profile' }));
    expect(narrow.scope.split(' ').sort()).toEqual(['openid', 'profile']);
    expect((claimsOf(narrow.access_token).scope as string).split(' ').sort()).toEqual(['openid', 'profile']);
    const info = (await (await userinfo(narrow.access_token)).json()) as Record<string, unknown>;
    expect(info).toHaveProperty('given_name');
    expect(info).not.toHaveProperty('email');
    // Without a scope parameter, the next refresh gets the original grant back.
    const full = await expectTokens(await refresh(client, narrow.refresh_token!));
    expect(full.scope.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);
  });

  it('widening -> invalid_scope, and the refresh token is not consumed', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    await expectError(await refresh(client, tokens.refresh_token!, { scope: 'openid offline_access email' }), 'invalid_scope');
    await expectError(await refresh(client, tokens.refresh_token!, { scope: 'openid admin' }), 'invalid_scope');
    const ok = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect(ok.scope.split(' ').sort()).toEqual(['offline_access', 'openid']);
  });
});

describe('refresh tokens: refreshed ID token (OIDC Core §12.2)', () => {
  it('keeps iss, sub, aud, auth_time, sid; has no nonce; has a new iat', async () => {
    const client = await refreshClient();
    const { tokens, user } = await codeFlow(client);
    const original = claimsOf(tokens.id_token!);
    expect(original.nonce).toBe('nonce-456');
    await clockPasses(original.iat);
    const next = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect(next.id_token).toBeTruthy();
    const refreshed = claimsOf(next.id_token!);
    expect(refreshed.iss).toBe(original.iss);
    expect(refreshed.sub).toBe(user.id);
    expect(refreshed.sub).toBe(original.sub);
    expect(refreshed.aud).toEqual(original.aud);
    expect(refreshed.auth_time).toBe(original.auth_time);
    expect(refreshed.sid).toBe(original.sid);
    expect(refreshed).not.toHaveProperty('nonce');
    expect(refreshed.iat!).toBeGreaterThan(original.iat!);
    expect(refreshed.exp!).toBeGreaterThan(original.exp!);
    expect(claimsOf(next.access_token).iat!).toBeGreaterThan(claimsOf(tokens.access_token).iat!);
  });
});

describe('refresh tokens: errors', () => {
  it("another client's refresh token -> invalid_grant, and it stays usable by its owner", async () => {
    const owner = await refreshClient();
    const thief = await refreshClient();
    const { tokens } = await codeFlow(owner);
    await expectError(await refresh(thief, tokens.refresh_token!), 'invalid_grant');
    const ok = await expectTokens(await refresh(owner, tokens.refresh_token!));
    expect(ok.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('unknown, malformed and missing refresh tokens', async () => {
    const client = await refreshClient();
    await expectError(await refresh(client, 'A'.repeat(43)), 'invalid_grant');
    await expectError(await refresh(client, 'not a token'), 'invalid_grant');
    await expectError(await postForm('/token', { grant_type: 'refresh_token' }, basicAuth(client)), 'invalid_request');
  });

  it('refresh without client authentication -> 401 invalid_client', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    await expectError(await postForm('/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }), 'invalid_client', 401);
    await expectError(await postForm('/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: client.client_id }), 'invalid_client', 401);
  });
});

describe('refresh tokens: revocation by other events', () => {
  it('a replayed authorization code revokes the refresh token issued from it (RFC 6749 §4.1.2)', async () => {
    const client = await refreshClient();
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user, scope: 'openid offline_access' });
    const code = callback.searchParams.get('code')!;
    const body = { grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]! };
    const tokens = await expectTokens(await postForm('/token', body, basicAuth(client)));
    expect(tokens.refresh_token).toBeTruthy();
    await expectError(await postForm('/token', body, basicAuth(client)), 'invalid_grant');
    await expectError(await refresh(client, tokens.refresh_token!), 'invalid_grant');
    expect(await introspect(client, tokens.refresh_token!)).toEqual({ active: false });
  });

  it('a refresh token of a deleted user -> invalid_grant', async () => {
    const client = await refreshClient();
    const { tokens, user } = await codeFlow(client);
    const del = await fetchOp(`/admin/users/${user.id}`, { method: 'DELETE', headers: ADMIN });
    expect(del.status).toBe(204);
    await expectError(await refresh(client, tokens.refresh_token!), 'invalid_grant');
  });

  it('a refresh token of a deleted client cannot be used by a new client either', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    expect((await fetchOp(`/admin/clients/${client.client_id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    const other = await refreshClient();
    await expectError(await refresh(other, tokens.refresh_token!), 'invalid_grant');
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM refresh_token_families WHERE client_id = ?').bind(client.client_id).first<{ n: number }>()).toEqual({ n: 0 });
  });
});

/** Polls introspection (with a deadline) until the server reports the token inactive. */
const untilInactive = (client: Parameters<typeof introspect>[0], token: string) =>
  expect.poll(() => introspect(client, token), { timeout: 10_000, interval: 250 }).toEqual({ active: false });

describe('refresh tokens: expiry', () => {
  it(
    'idle expiry: a client with refresh_token_idle_ttl 1 -> invalid_grant after 2 s',
    async () => {
      const client = await refreshClient({ refresh_token_idle_ttl: 1 });
      const { tokens } = await codeFlow(client);
      await untilInactive(client, tokens.refresh_token!);
      await expectError(await refresh(client, tokens.refresh_token!), 'invalid_grant');
    },
    20_000,
  );

  it(
    'idle expiry set with PATCH /admin/clients/:id applies to tokens issued afterwards',
    async () => {
      const client = await refreshClient();
      const patched = await fetchOp(`/admin/clients/${client.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ refresh_token_idle_ttl: 1 }) });
      expect(patched.status).toBe(200);
      expect(((await patched.json()) as Record<string, unknown>).refresh_token_idle_ttl).toBe(1);
      const { tokens } = await codeFlow(client);
      await untilInactive(client, tokens.refresh_token!);
      await expectError(await refresh(client, tokens.refresh_token!), 'invalid_grant');
    },
    20_000,
  );

  it(
    'absolute expiry: a client with refresh_token_ttl 1 -> invalid_grant after 2 s (access_token_ttl left at its default)',
    async () => {
      const client = await refreshClient({ refresh_token_ttl: 1 });
      const { tokens } = await codeFlow(client);
      await untilInactive(client, tokens.refresh_token!);
      await expectError(await refresh(client, tokens.refresh_token!), 'invalid_grant');
    },
    20_000,
  );

  it('a refresh token used within its idle window slides it forward', async () => {
    const client = await refreshClient({ refresh_token_idle_ttl: 6 });
    const { tokens } = await codeFlow(client);
    const issued = claimsOf(tokens.access_token).iat!;
    await clockPasses(issued + 2, 10_000);
    const next = await expectTokens(await refresh(client, tokens.refresh_token!));
    // Past the original's idle window (issued + 6), within the successor's (about issued + 9).
    await clockPasses(issued + 6, 10_000);
    await expectTokens(await refresh(client, next.refresh_token!));
  }, 30_000);
});

describe('refresh tokens: bounded storage (issue 10)', () => {
  it('50 refreshes leave one row for the grant; every earlier generation is still recognised as a replay', { timeout: 60_000 }, async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const gid = grantIdOf(tokens.access_token);
    const seen = [tokens.refresh_token!];
    let current = tokens;
    for (let i = 0; i < 50; i++) {
      current = await expectTokens(await refresh(client, current.refresh_token!));
      seen.push(current.refresh_token!);
    }
    expect(new Set(seen).size).toBe(51);
    const rows = await refreshRowsOf(gid);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.generation).toBe(50);
    expect((await userinfo(current.access_token)).status).toBe(200);
    // A token ten generations old is theft: the family is revoked (RFC 9700 §4.14.2).
    await expectError(await refresh(client, seen[40]!), 'invalid_grant');
    await expectError(await refresh(client, current.refresh_token!), 'invalid_grant');
    expect((await userinfo(current.access_token)).status).toBe(401);
  });

  it('a token altered in its generation or family is not ours (MAC), and revokes nothing', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const raw = tokens.refresh_token!;
    const bytes = Uint8Array.from(atob(raw.replace(/-/g, '+').replace(/_/g, '/') + '='), (ch) => ch.charCodeAt(0));
    bytes[15] = (bytes[15]! + 1) & 255; // generation + 1
    const forged = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(forged).not.toBe(raw);
    await expectError(await refresh(client, forged), 'invalid_grant');
    expect((await introspect(client, forged)).active).toBe(false);
    // The genuine token still works: the forgery did not touch the family.
    await expectTokens(await refresh(client, raw));
  });
});
