// RFC 7662: token introspection at /introspect.
import { describe, expect, it } from 'vitest';
import { basicAuth, claimsOf, codeFlow, expectError, expectTokens, introspect, ISSUER, postForm, refresh, refreshClient, revoke } from './helpers';

describe('introspection (RFC 7662)', () => {
  it('an active access token: active with scope, client_id, sub, exp, iat, iss, token_type, aud', async () => {
    const client = await refreshClient();
    const { tokens, user } = await codeFlow(client, { scope: 'openid offline_access profile' });
    const res = await postForm('/introspect', { token: tokens.access_token }, basicAuth(client));
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    const claims = claimsOf(tokens.access_token);
    expect(body.active).toBe(true);
    expect((body.scope as string).split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(body.client_id).toBe(client.client_id);
    expect(body.sub).toBe(user.id);
    expect(body.exp).toBe(claims.exp);
    expect(body.iat).toBe(claims.iat);
    expect(body.iss).toBe(ISSUER);
    expect(body.token_type).toBe('Bearer');
    expect(body.aud).toEqual(claims.aud);
  });

  it('a refresh token: active with token_type refresh_token; inactive once rotated', async () => {
    const client = await refreshClient();
    const { tokens, user } = await codeFlow(client);
    const body = await introspect(client, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    expect(body).toMatchObject({ active: true, client_id: client.client_id, sub: user.id, iss: ISSUER, token_type: 'refresh_token' });
    expect((body.scope as string).split(' ').sort()).toEqual(['offline_access', 'openid']);
    expect(body.exp as number).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect(typeof body.iat).toBe('number');
    // A hint that names the wrong kind changes nothing.
    expect((await introspect(client, tokens.refresh_token!, { token_type_hint: 'access_token' })).active).toBe(true);
    const next = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect(await introspect(client, tokens.refresh_token!)).toEqual({ active: false });
    expect((await introspect(client, next.refresh_token!)).active).toBe(true);
  });

  it(
    'an expired access token -> {"active": false} only',
    async () => {
      // exp has one-second granularity: with a 1 s lifetime a token issued at x.999 s expires a
      // millisecond later (the old flake). 3 s leaves at least 2 s for the first introspection.
      const client = await refreshClient({ access_token_ttl: 3 });
      const { tokens } = await codeFlow(client, { scope: 'openid' });
      const { exp } = claimsOf(tokens.access_token);
      expect((await introspect(client, tokens.access_token)).active).toBe(true);
      // Then poll (with a deadline) until the server reports it inactive, never before exp.
      await expect.poll(() => introspect(client, tokens.access_token), { timeout: 10_000, interval: 250 }).toEqual({ active: false });
      expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp! - 1);
    },
    20_000,
  );

  it('a revoked access token -> {"active": false} only', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    expect((await revoke(client, tokens.access_token)).status).toBe(200);
    expect(await introspect(client, tokens.access_token)).toEqual({ active: false });
  });

  it('unknown and garbage tokens -> {"active": false} only, never an error', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const [h, p] = tokens.access_token.split('.');
    for (const token of ['A'.repeat(43), 'garbage', '....', `${h}.${p}.AAAA`, `${h}.${p}`, 'x'.repeat(5000), '%00']) {
      expect(await introspect(client, token), token.slice(0, 40)).toEqual({ active: false });
    }
  });

  it("another client's tokens -> {\"active\": false}", async () => {
    const owner = await refreshClient();
    const other = await refreshClient();
    const { tokens } = await codeFlow(owner);
    expect(await introspect(other, tokens.access_token)).toEqual({ active: false });
    expect(await introspect(other, tokens.refresh_token!)).toEqual({ active: false });
    // The owner still sees them active.
    expect((await introspect(owner, tokens.access_token)).active).toBe(true);
  });

  it('a missing token -> 400 invalid_request', async () => {
    const client = await refreshClient();
    await expectError(await postForm('/introspect', {}, basicAuth(client)), 'invalid_request');
  });

  it('requires client authentication: 401 invalid_client without, or with a wrong secret', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    await expectError(await postForm('/introspect', { token: tokens.access_token }), 'invalid_client', 401);
    await expectError(await postForm('/introspect', { token: tokens.access_token, client_id: client.client_id }), 'invalid_client', 401);
    const wrong = await postForm('/introspect', { token: tokens.access_token }, basicAuth({ ...client, client_secret: 'wrong' }));
    const body = await expectError(wrong, 'invalid_client', 401);
    expect(body).not.toHaveProperty('active');
  });
});
