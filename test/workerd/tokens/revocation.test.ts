// RFC 7009: token revocation at /revoke.
import { describe, expect, it } from 'vitest';
import { basicAuth, codeFlow, expectError, expectTokens, fetchOp, introspect, postForm, refresh, refreshClient, revoke, userinfo } from './helpers';

describe('revocation (RFC 7009)', () => {
  it('revoking an access token: 200, then userinfo 401 and introspection inactive; the refresh token still works', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    const res = await revoke(client, tokens.access_token, { token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const info = await userinfo(tokens.access_token);
    expect(info.status).toBe(401);
    expect(info.headers.get('WWW-Authenticate')).toMatch(/error="invalid_token"/);
    expect(await introspect(client, tokens.access_token)).toEqual({ active: false });
    // §2.1: revoking an access token need not revoke the grant; its refresh token keeps working.
    const next = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect((await userinfo(next.access_token)).status).toBe(200);
  });

  it('revoking a refresh token revokes the whole family: the access token of the same grant stops working', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const rotated = await expectTokens(await refresh(client, tokens.refresh_token!));
    const res = await revoke(client, rotated.refresh_token!, { token_type_hint: 'refresh_token' });
    expect(res.status).toBe(200);
    expect((await userinfo(rotated.access_token)).status).toBe(401);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    expect(await introspect(client, rotated.access_token)).toEqual({ active: false });
    expect(await introspect(client, rotated.refresh_token!)).toEqual({ active: false });
    await expectError(await refresh(client, rotated.refresh_token!), 'invalid_grant');
  });

  it('an unknown token -> 200 (§2.2), for JWT-shaped, refresh-shaped and arbitrary strings', async () => {
    const client = await refreshClient();
    for (const token of ['A'.repeat(43), 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'nonsense', '"quoted\\']) {
      const res = await revoke(client, token);
      expect(res.status, token).toBe(200);
    }
  });

  it('an already revoked token -> 200 again', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    expect((await revoke(client, tokens.access_token)).status).toBe(200);
    expect((await revoke(client, tokens.access_token)).status).toBe(200);
    expect((await revoke(client, tokens.refresh_token!)).status).toBe(200);
    expect((await revoke(client, tokens.refresh_token!)).status).toBe(200);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it("another client's tokens -> 200 and NOT revoked: the owner's tokens still work", async () => {
    const owner = await refreshClient();
    const other = await refreshClient();
    const { tokens } = await codeFlow(owner);
    expect((await revoke(other, tokens.access_token)).status).toBe(200);
    expect((await revoke(other, tokens.refresh_token!)).status).toBe(200);
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    expect((await introspect(owner, tokens.access_token)).active).toBe(true);
    const next = await expectTokens(await refresh(owner, tokens.refresh_token!));
    expect((await userinfo(next.access_token)).status).toBe(200);
  });

  it('a wrong token_type_hint (refresh_token for an access token, and vice versa) still revokes', async () => {
    const client = await refreshClient();
    const a = await codeFlow(client);
    expect((await revoke(client, a.tokens.access_token, { token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await userinfo(a.tokens.access_token)).status).toBe(401);

    const b = await codeFlow(client);
    expect((await revoke(client, b.tokens.refresh_token!, { token_type_hint: 'access_token' })).status).toBe(200);
    await expectError(await refresh(client, b.tokens.refresh_token!), 'invalid_grant');
    expect((await userinfo(b.tokens.access_token)).status).toBe(401);

    // An unknown hint value is ignored too (§2.1: the server MAY ignore it).
    const c = await codeFlow(client);
    expect((await revoke(client, c.tokens.access_token, { token_type_hint: 'id_token' })).status).toBe(200);
    expect((await userinfo(c.tokens.access_token)).status).toBe(401);
  });

  it('a missing token -> 400 invalid_request', async () => {
    const client = await refreshClient();
    await expectError(await postForm('/revoke', {}, basicAuth(client)), 'invalid_request');
    await expectError(await postForm('/revoke', { token: '' }, basicAuth(client)), 'invalid_request');
  });

  it('requires client authentication: 401 invalid_client without, or with a wrong secret, and nothing is revoked', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const none = await postForm('/revoke', { token: tokens.access_token });
    await expectError(none, 'invalid_client', 401);
    await expectError(await postForm('/revoke', { token: tokens.access_token, client_id: client.client_id }), 'invalid_client', 401);
    const wrong = await postForm('/revoke', { token: tokens.access_token }, basicAuth({ ...client, client_secret: 'wrong' }));
    await expectError(wrong, 'invalid_client', 401);
    expect(wrong.headers.get('WWW-Authenticate')).toMatch(/^Basic /i);
    expect((await userinfo(tokens.access_token)).status).toBe(200);
  });

  it('GET /revoke -> 405', async () => {
    const res = await fetchOp('/revoke');
    expect(res.status).toBe(405);
  });
});
