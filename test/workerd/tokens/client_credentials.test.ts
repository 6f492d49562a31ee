// RFC 6749 §4.4: the client credentials grant.
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN } from '../helpers';
import { basicAuth, claimsOf, createClient, expectError, expectTokens, fetchOp, introspect, ISSUER, postForm, userinfo } from './helpers';

const machine = (overrides: Record<string, unknown> = {}) => createClient({ grant_types: ['client_credentials'], scope: 'api:read api:write', redirect_uris: [], ...overrides });
const cc = (client: { client_id: string; client_secret?: string; redirect_uris: string[] }, extra: Record<string, string> = {}) =>
  postForm('/token', { grant_type: 'client_credentials', ...extra }, basicAuth(client));

describe('client_credentials grant', () => {
  it('issues an RFC 9068 access token for the client itself: sub = client_id, all allowed scopes, no id_token, no refresh_token', async () => {
    const client = await machine();
    const res = await cc(client);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const tokens = await expectTokens(res);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(tokens.scope.split(' ').sort()).toEqual(['api:read', 'api:write']);
    expect(tokens).not.toHaveProperty('id_token');
    expect(tokens).not.toHaveProperty('refresh_token');
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const claims = claimsOf(tokens.access_token);
    expect(claims.sub).toBe(client.client_id);
    expect(claims.client_id).toBe(client.client_id);
    expect(claims.iss).toBe(ISSUER);
    expect((claims.scope as string).split(' ').sort()).toEqual(['api:read', 'api:write']);
    expect(claims).not.toHaveProperty('gid');
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(tokens.expires_in);
  });

  it('a requested subset of the allowed scopes is granted exactly', async () => {
    const client = await machine();
    const tokens = await expectTokens(await cc(client, { scope: 'api:read' }));
    expect(tokens.scope).toBe('api:read');
    expect(claimsOf(tokens.access_token).scope).toBe('api:read');
  });

  it('an unknown scope -> invalid_scope', async () => {
    const client = await machine();
    await expectError(await cc(client, { scope: 'api:read api:delete' }), 'invalid_scope');
    await expectError(await cc(client, { scope: 'admin' }), 'invalid_scope');
  });

  it('openid (and the other user scopes) are never granted to a machine, even when in the client scope list', async () => {
    const client = await machine({ scope: 'openid profile api:read offline_access' });
    const tokens = await expectTokens(await cc(client));
    expect(tokens.scope).toBe('api:read');
    expect(tokens).not.toHaveProperty('id_token');
    await expectError(await cc(client, { scope: 'openid' }), 'invalid_scope');
    await expectError(await cc(client, { scope: 'api:read offline_access' }), 'invalid_scope');
  });

  it('a public client cannot be registered with client_credentials (400)', async () => {
    const res = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ client_name: 'Public machine', redirect_uris: [], token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('a public client cannot be given client_credentials later with PATCH (400)', async () => {
    const pub = await createClient({ token_endpoint_auth_method: 'none' });
    const res = await fetchOp(`/admin/clients/${pub.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ grant_types: ['authorization_code', 'client_credentials'] }) });
    expect(res.status).toBe(400);
  });

  it('a client without the grant -> unauthorized_client', async () => {
    const client = await createClient();
    await expectError(await cc(client), 'unauthorized_client');
  });

  it('requires client authentication (401 invalid_client without, and with a wrong secret)', async () => {
    const client = await machine();
    await expectError(await postForm('/token', { grant_type: 'client_credentials', client_id: client.client_id }), 'invalid_client', 401);
    await expectError(await postForm('/token', { grant_type: 'client_credentials' }, basicAuth({ ...client, client_secret: 'wrong' })), 'invalid_client', 401);
  });

  it('the client credentials access token is rejected at userinfo (401): it names no user', async () => {
    const client = await machine({ scope: 'openid api:read' });
    const tokens = await expectTokens(await cc(client));
    const res = await userinfo(tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/error="invalid_token"/);
  });

  it('is active at introspection and inactive after revocation', async () => {
    const client = await machine();
    const tokens = await expectTokens(await cc(client));
    const active = await introspect(client, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: client.client_id, sub: client.client_id, scope: 'api:read api:write', token_type: 'Bearer', iss: ISSUER });
    const revoked = await postForm('/revoke', { token: tokens.access_token }, basicAuth(client));
    expect(revoked.status).toBe(200);
    expect(await introspect(client, tokens.access_token)).toEqual({ active: false });
  });
});
