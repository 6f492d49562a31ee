// RFC 7592: reading, replacing and deleting a dynamically registered client; secret rotation.
import { describe, expect, it } from 'vitest';
import { ADMIN, createClient, createUser, env, fetchOp, obtainTokens, type TestClient } from '../helpers';
import { basicAuth, postForm } from '../tokens/helpers';
import { expectError, manage, registered, type Registered } from './local-helpers';

const asTestClient = (c: Registered): TestClient => ({ client_id: c.client_id, client_secret: c.client_secret, redirect_uris: c.redirect_uris });

describe('client configuration endpoint (RFC 7592)', () => {
  it('GET reads the registration back, with the presented registration access token', async () => {
    const c = await registered({ 'client_name#fr': 'Appli', contacts: ['a@rp.example.test'] });
    const res = await manage(c, 'GET');
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    const { client_secret: _secret, ...rest } = c;
    expect(body).toEqual(rest);
    // The secret is stored hashed, so it cannot be shown again.
    expect(body).not.toHaveProperty('client_secret');
    expect(body.client_secret_expires_at).toBe(0);
  });

  it('PUT replaces the metadata; omitted members return to their defaults', async () => {
    const c = await registered({ logo_uri: 'https://rp.example.test/logo.png', contacts: ['a@rp.example.test'] });
    const res = await manage(c, 'PUT', {
      client_id: c.client_id,
      client_secret: c.client_secret,
      client_name: 'Renamed',
      redirect_uris: ['https://rp.example.test/cb2', 'https://rp.example.test/cb3'],
      grant_types: ['authorization_code', 'refresh_token'],
      'client_name#ja': '名前',
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ client_id: c.client_id, client_name: 'Renamed', 'client_name#ja': '名前', redirect_uris: ['https://rp.example.test/cb2', 'https://rp.example.test/cb3'], grant_types: ['authorization_code', 'refresh_token'] });
    expect(body).not.toHaveProperty('logo_uri');
    expect(body).not.toHaveProperty('contacts');
    // The secret did not change (no new one is issued), and the stored client follows the update.
    expect(body).not.toHaveProperty('client_secret');
    const read = (await (await manage(c, 'GET')).json()) as Record<string, unknown>;
    expect(read.client_name).toBe('Renamed');
    expect(read.redirect_uris).toEqual(['https://rp.example.test/cb2', 'https://rp.example.test/cb3']);
    const admin = (await (await fetchOp(`/admin/clients/${c.client_id}`, { headers: ADMIN })).json()) as Record<string, unknown>;
    expect(admin.redirect_uris).toEqual(['https://rp.example.test/cb2', 'https://rp.example.test/cb3']);
    expect(admin.first_party).toBe(false);
    // The old secret still authenticates.
    const user = await createUser();
    const tokens = await obtainTokens({ client: { ...asTestClient(c), redirect_uris: ['https://rp.example.test/cb2'] }, user });
    expect(tokens.access_token).toBeTruthy();
  });

  it('PUT switching to a method that needs a secret the client lacks issues one', async () => {
    const c = await registered({ token_endpoint_auth_method: 'none' });
    const body = (await (await manage(c, 'PUT', { client_id: c.client_id, redirect_uris: c.redirect_uris, token_endpoint_auth_method: 'client_secret_post' })).json()) as Record<string, unknown>;
    expect(body.token_endpoint_auth_method).toBe('client_secret_post');
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('PUT is validated like a registration, and checks client_id, client_secret and server-issued members', async () => {
    const c = await registered();
    const base = { client_id: c.client_id, redirect_uris: c.redirect_uris };
    await expectError(await manage(c, 'PUT', { ...base, redirect_uris: ['https://rp.example.test/cb#x'] }), 400, 'invalid_redirect_uri', /fragment/);
    await expectError(await manage(c, 'PUT', { ...base, response_types: ['tokens'] }), 400, 'invalid_client_metadata');
    await expectError(await manage(c, 'PUT', { ...base, client_id: 'someone-else' }), 400, 'invalid_request', /client_id/);
    await expectError(await manage(c, 'PUT', { redirect_uris: c.redirect_uris }), 400, 'invalid_request', /client_id/);
    await expectError(await manage(c, 'PUT', { ...base, client_secret: 'not-the-secret' }), 400, 'invalid_request', /client_secret/);
    await expectError(await manage(c, 'PUT', { ...base, registration_access_token: c.registration_access_token }), 400, 'invalid_request', /registration_access_token/);
    await expectError(await manage(c, 'PUT', { ...base, client_id_issued_at: 1 }), 400, 'invalid_request', /client_id_issued_at/);
    // Nothing changed.
    expect(((await (await manage(c, 'GET')).json()) as { client_name: string }).client_name).toBe('Dynamic App');
  });

  it('a wrong, missing or other client\'s registration access token -> 401 with a Bearer challenge', async () => {
    const a = await registered();
    const b = await registered();
    for (const res of [
      await manage(a, 'GET', undefined, 'wrong-token'),
      await manage(a, 'GET', undefined, b.registration_access_token),
      await manage(a, 'DELETE', undefined, b.registration_access_token),
      await fetchOp(`/register/${a.client_id}`),
      await manage({ ...a, registration_client_uri: a.registration_client_uri.replace(a.client_id, 'no-such-client') }, 'GET'),
    ]) {
      await expectError(res.clone(), 401, 'invalid_token');
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="register"/);
    }
  });

  it('an admin-made client has no registration access token and cannot be managed here', async () => {
    const admin = await createClient();
    await expectError(await fetchOp(`/register/${admin.client_id}`, { headers: { Authorization: 'Bearer anything' } }), 401, 'invalid_token');
  });

  it('DELETE removes the client and revokes its tokens -> 204', async () => {
    const c = await registered();
    const user = await createUser();
    const tokens = await obtainTokens({ client: asTestClient(c), user });
    expect((await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    const res = await manage(c, 'DELETE');
    expect(res.status).toBe(204);
    expect((await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    expect((await fetchOp(`/admin/clients/${c.client_id}`, { headers: ADMIN })).status).toBe(404);
    await expectError(await manage(c, 'GET'), 401, 'invalid_token');
  });

  it('other methods -> 405', async () => {
    const c = await registered();
    const res = await fetchOp(new URL(c.registration_client_uri).pathname, { method: 'POST', headers: { Authorization: `Bearer ${c.registration_access_token}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, PUT, DELETE');
  });
});

describe('client secret rotation (admin API)', () => {
  const machine = () => createClient({ grant_types: ['client_credentials'], scope: 'api:read', redirect_uris: [] });
  const rotate = (id: string, body: unknown) => fetchOp(`/admin/clients/${id}/rotate-secret`, { method: 'POST', headers: ADMIN, body: JSON.stringify(body) });
  const cc = (client: TestClient) => postForm('/token', { grant_type: 'client_credentials' }, basicAuth(client));

  it('both secrets work during the overlap', async () => {
    const client = await machine();
    const res = await rotate(client.client_id, { overlap: 600 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { client_secret: string; previous_secret_expires_at: number };
    expect(body.client_secret).not.toBe(client.client_secret);
    expect(body.previous_secret_expires_at).toBeGreaterThan(Date.now() / 1000 + 590);
    expect((await cc(client)).status).toBe(200);
    expect((await cc({ ...client, client_secret: body.client_secret })).status).toBe(200);
    expect((await cc({ ...client, client_secret: 'neither' })).status).toBe(401);
  });

  it('with overlap 0 the old secret stops at once; a second rotation drops the oldest', async () => {
    const client = await machine();
    const first = (await (await rotate(client.client_id, { overlap: 0 })).json()) as { client_secret: string };
    expect((await cc(client)).status).toBe(401);
    expect((await cc({ ...client, client_secret: first.client_secret })).status).toBe(200);
    const second = (await (await rotate(client.client_id, { overlap: 600 })).json()) as { client_secret: string };
    expect((await cc({ ...client, client_secret: first.client_secret })).status).toBe(200);
    expect((await cc({ ...client, client_secret: second.client_secret })).status).toBe(200);
    expect((await cc(client)).status).toBe(401);
  });

  it('an expired overlap no longer authenticates', async () => {
    const client = await machine();
    await rotate(client.client_id, { overlap: 600 });
    await env.DB.prepare('UPDATE clients SET previous_secret_expires_at = ? WHERE id = ?').bind(Math.floor(Date.now() / 1000) - 1, client.client_id).run();
    expect((await cc(client)).status).toBe(401);
  });

  it('refuses public and JWT clients, bad overlaps and unknown clients', async () => {
    const pub = await createClient({ token_endpoint_auth_method: 'none' });
    expect((await rotate(pub.client_id, {})).status).toBe(400);
    const client = await machine();
    expect((await rotate(client.client_id, { overlap: -1 })).status).toBe(400);
    expect((await rotate(client.client_id, { overlap: 'long' })).status).toBe(400);
    expect((await rotate('no-such-client', {})).status).toBe(404);
  });
});
