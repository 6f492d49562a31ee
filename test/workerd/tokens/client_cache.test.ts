// Issue 10: clients are cached in the isolate with a bound on staleness. A change made through the
// admin API or RFC 7592 registration management is refused at once in the isolate that made it;
// a change made elsewhere (another isolate: here a write straight to D1, which drops nothing)
// stops working within CLIENT_CACHE_SECONDS, shown with an injected clock; an unknown client_id
// is never cached, so a new client works at once.
import { describe, expect, it } from 'vitest';
import { ADMIN } from '../helpers';
import { CLIENT_CACHE_SECONDS, ClientRepository } from '../../../src/storage/clients';
import { authorizeInBrowser } from '../helpers';
import { basicAuth, createClient, createUser, env, expectError, expectTokens, fetchOp, postForm, refreshClient } from './helpers';
import { manage, registered } from '../registration/local-helpers';

const machine = () => createClient({ grant_types: ['client_credentials'], scope: 'api:read', redirect_uris: [] });
const cc = (client: { client_id: string; client_secret?: string; redirect_uris: string[] }) =>
  postForm('/token', { grant_type: 'client_credentials' }, basicAuth(client));

describe('client cache: the isolate that changes a client refuses at once', () => {
  it('a client deleted through the admin API is refused at once (it was cached a moment before)', async () => {
    const client = await machine();
    await expectTokens(await cc(client));
    await expectTokens(await cc(client)); // served from the cache
    expect((await fetchOp(`/admin/clients/${client.client_id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    await expectError(await cc(client), 'invalid_client', 401);
  });

  it('a secret rotated without overlap through the admin API: the old secret is refused at once, the new one works', async () => {
    const client = await machine();
    await expectTokens(await cc(client));
    const res = await fetchOp(`/admin/clients/${client.client_id}/rotate-secret`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ overlap: 0 }) });
    expect(res.status).toBe(200);
    const { client_secret } = (await res.json()) as { client_secret: string };
    await expectError(await cc(client), 'invalid_client', 401);
    await expectTokens(await cc({ ...client, client_secret }));
  });

  it('a grant type removed through the admin API is refused at once', async () => {
    const client = await machine();
    await expectTokens(await cc(client));
    const res = await fetchOp(`/admin/clients/${client.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ grant_types: ['authorization_code'], redirect_uris: ['https://rp.example.test/cb'] }) });
    expect(res.status, await res.clone().text()).toBe(200);
    await expectError(await cc(client), 'unauthorized_client');
  });

  it('a redirect URI removed through the admin API: its origin loses CORS access at userinfo at once', async () => {
    const origin = `https://spa-${crypto.randomUUID().slice(0, 8)}.example.test`;
    const spa = await createClient({ token_endpoint_auth_method: 'none', redirect_uris: [`${origin}/cb`] });
    const before = await fetchOp('/userinfo', { headers: { Origin: origin } });
    expect(before.headers.get('Access-Control-Allow-Origin')).toBe(origin);
    const res = await fetchOp(`/admin/clients/${spa.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ redirect_uris: ['https://elsewhere.example.test/cb'] }) });
    expect(res.status, await res.clone().text()).toBe(200);
    const after = await fetchOp('/userinfo', { headers: { Origin: origin } });
    expect(after.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('RFC 7592: a client deleted through its configuration endpoint is refused at once', async () => {
    const c = await registered({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
    const client = { client_id: c.client_id, client_secret: c.client_secret, redirect_uris: [] };
    await expectTokens(await cc(client));
    expect((await manage(c, 'DELETE')).status).toBe(204);
    await expectError(await cc(client), 'invalid_client', 401);
  });
});

describe('client cache: bounded staleness for changes made in another isolate', () => {
  it(`a secret rotated elsewhere is still accepted here until ${CLIENT_CACHE_SECONDS} s after the read, then refused`, async () => {
    const client = await machine();
    const repo = new ClientRepository(env.DB);
    const t0 = Date.now() + 3_600_000; // a clock of our own, ahead of any entry other tests made
    const before = await repo.findCached(client.client_id, t0);
    // Another isolate's change: straight to D1, so this isolate's copy is not dropped.
    await env.DB.prepare('UPDATE clients SET secret_hash = ?, previous_secret_hash = NULL WHERE id = ?').bind('changed-elsewhere', client.client_id).run();
    expect((await repo.findCached(client.client_id, t0 + CLIENT_CACHE_SECONDS * 1000 - 1))!.secretHash).toBe(before!.secretHash);
    expect((await repo.findCached(client.client_id, t0 + CLIENT_CACHE_SECONDS * 1000))!.secretHash).toBe('changed-elsewhere');
  });

  it(`a client deleted elsewhere is gone here within ${CLIENT_CACHE_SECONDS} s`, async () => {
    const client = await machine();
    const repo = new ClientRepository(env.DB);
    const t0 = Date.now() + 3_600_000;
    expect(await repo.findCached(client.client_id, t0)).not.toBeNull();
    await env.DB.prepare('DELETE FROM clients WHERE id = ?').bind(client.client_id).run();
    expect(await repo.findCached(client.client_id, t0 + 30_000)).not.toBeNull();
    expect(await repo.findCached(client.client_id, t0 + CLIENT_CACHE_SECONDS * 1000)).toBeNull();
  });

  it('a removed redirect URI made elsewhere is gone here within the bound', async () => {
    const client = await createClient({ redirect_uris: ['https://rp.example.test/a', 'https://rp.example.test/b'] });
    const repo = new ClientRepository(env.DB);
    const t0 = Date.now() + 3_600_000;
    expect((await repo.findCached(client.client_id, t0))!.redirectUris).toHaveLength(2);
    await env.DB.prepare('UPDATE clients SET redirect_uris = ? WHERE id = ?').bind(JSON.stringify(['https://rp.example.test/a']), client.client_id).run();
    expect((await repo.findCached(client.client_id, t0 + CLIENT_CACHE_SECONDS * 1000))!.redirectUris).toEqual(['https://rp.example.test/a']);
  });

  it('a client deleted elsewhere while still cached here: its code redemption writes nothing and fails cleanly', async () => {
    const client = await refreshClient();
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const code = callback.searchParams.get('code')!;
    // The authorization pages read the client from the primary, which put it in this isolate's cache.
    await env.DB.prepare('DELETE FROM clients WHERE id = ?').bind(client.client_id).run();
    await expectError(await postForm('/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]! }, basicAuth(client)), 'invalid_grant');
    const { n } = (await env.DB.prepare('SELECT COUNT(*) AS n FROM grants WHERE client_id = ?').bind(client.client_id).first<{ n: number }>())!;
    expect(n).toBe(0);
  });

  it('an unknown client_id is never cached: a client created after a miss is found at once', async () => {
    const repo = new ClientRepository(env.DB);
    const id = `late-${crypto.randomUUID()}`;
    const t0 = Date.now();
    expect(await repo.findCached(id, t0)).toBeNull();
    await env.DB.prepare("INSERT INTO clients (id, name, redirect_uris, token_endpoint_auth_method, grant_types, created_at) VALUES (?, 'Late', '[]', 'none', '[\"authorization_code\"]', ?)")
      .bind(id, Math.floor(t0 / 1000))
      .run();
    expect((await repo.findCached(id, t0))?.id).toBe(id);
  });

});
