import { describe, expect, it } from 'vitest';
import { ISSUER, fetchOp } from '../helpers';
import { adminApi, createApi, introspectAs, uniq } from './local-helpers';

/** Issue 13: /admin/apis (docs/admin-api.md "APIs"). */
describe('admin API: APIs', () => {
  it('create returns the introspection credential once; get (by client_id or identifier), list, update, delete', async () => {
    const tag = uniq();
    const identifier = `https://orders-${tag}.example.test/api`;
    const res = await adminApi('', 'POST', { identifier, name: 'Orders', scopes: `orders-${tag}:read orders-${tag}:write`, access_token_ttl: 600, signing_alg: 'ES256' });
    expect(res.status).toBe(201);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const created = (await res.json()) as Record<string, unknown>;
    expect(created).toMatchObject({ identifier, name: 'Orders', scopes: [`orders-${tag}:read`, `orders-${tag}:write`], access_token_ttl: 600, signing_alg: 'ES256' });
    expect(created.client_id).toMatch(/^api_[A-Za-z0-9_-]{22}$/);
    expect(String(created.client_secret).length).toBeGreaterThanOrEqual(43);

    const byId = (await (await adminApi(`/${created.client_id}`)).json()) as Record<string, unknown>;
    expect(byId.identifier).toBe(identifier);
    expect(byId).not.toHaveProperty('client_secret');
    expect(JSON.stringify(byId)).not.toContain(String(created.client_secret));
    const byIdentifier = await adminApi(`/${encodeURIComponent(identifier)}`);
    expect(byIdentifier.status).toBe(200);
    expect(((await byIdentifier.json()) as { client_id: string }).client_id).toBe(created.client_id);
    const list = (await (await adminApi('')).json()) as { apis: { identifier: string }[] };
    expect(list.apis.map((a) => a.identifier)).toContain(identifier);

    const patched = await adminApi(`/${created.client_id}`, 'PATCH', { name: 'Orders v2', scopes: [`orders-${tag}:read`], access_token_ttl: null, signing_alg: null });
    expect(patched.status).toBe(200);
    const after = (await patched.json()) as Record<string, unknown>;
    expect(after).toMatchObject({ name: 'Orders v2', scopes: [`orders-${tag}:read`] });
    expect(after).not.toHaveProperty('access_token_ttl');
    expect(after).not.toHaveProperty('signing_alg');

    // rotate_secret: a new secret, the old one no longer authenticates.
    const rotated = (await (await adminApi(`/${created.client_id}`, 'PATCH', { rotate_secret: true })).json()) as { client_secret: string };
    expect(rotated.client_secret).not.toBe(created.client_secret);
    expect((await introspectAs({ client_id: String(created.client_id), client_secret: String(created.client_secret) }, 'x')).status).toBe(401);
    expect((await introspectAs({ client_id: String(created.client_id), client_secret: rotated.client_secret }, 'x')).status).toBe(200);

    expect((await adminApi(`/${created.client_id}`, 'DELETE')).status).toBe(204);
    expect((await adminApi(`/${created.client_id}`)).status).toBe(404);
    expect((await adminApi(`/${created.client_id}`, 'DELETE')).status).toBe(404);
    // Its credential is gone with it.
    expect((await introspectAs({ client_id: String(created.client_id), client_secret: rotated.client_secret }, 'x')).status).toBe(401);
  });

  it('refuses malformed input with invalid_request and writes nothing', async () => {
    const tag = uniq();
    const base = { identifier: `https://v-${tag}.example.test`, name: 'V' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, identifier: '/relative' }, /absolute URI/],
      [{ ...base, identifier: `https://v-${tag}.example.test/#frag` }, /fragment/],
      [{ ...base, identifier: 42 }, /identifier is required/],
      [{ name: 'no identifier' }, /identifier is required/],
      [{ ...base, identifier: ISSUER }, /issuer/],
      [{ ...base, identifier: `${ISSUER}/userinfo` }, /issuer/],
      [{ ...base, name: '' }, /name is required/],
      [{ ...base, scopes: ['openid'] }, /scopes of the OP/],
      [{ ...base, scopes: ['offline_access'] }, /scopes of the OP/],
      [{ ...base, scopes: ['has space'] }, /scope tokens/],
      [{ ...base, scopes: 'a"b' }, /scope tokens/],
      [{ ...base, access_token_ttl: 0 }, /access_token_ttl/],
      [{ ...base, access_token_ttl: '60' }, /access_token_ttl/],
      [{ ...base, signing_alg: 'HS256' }, /signing_alg/],
      [{ ...base, signing_alg: 'EdDSA' }, /signing_alg/], // not in the default SIGNING_ALGS
      [{ ...base, audience: 'x' }, /unknown member/],
    ];
    for (const [body, message] of cases) {
      const res = await adminApi('', 'POST', body);
      const text = await res.text();
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(text).error).toBe('invalid_request');
      expect(JSON.parse(text).error_description, JSON.stringify(body)).toMatch(message);
    }
    expect((await adminApi(`/${encodeURIComponent(base.identifier)}`)).status).toBe(404);
    expect((await fetchOp('/admin/apis', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(base) })).status).toBe(401);
    const notJson = await fetchOp('/admin/apis', { method: 'POST', headers: { Authorization: 'Bearer test-admin-token-0123456789abcdefghij', 'Content-Type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('an identifier is unique, a scope belongs to one API, and an identifier cannot change', async () => {
    const a = await createApi();
    const again = await adminApi('', 'POST', { identifier: a.identifier, name: 'dup' });
    expect(again.status).toBe(409);
    const tag = uniq();
    const clash = await adminApi('', 'POST', { identifier: `https://other-${tag}.example.test`, name: 'O', scopes: [a.scopes[0], `${tag}:x`] });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { error_description: string }).error_description).toContain(a.scopes[0]);
    const b = await createApi();
    expect((await adminApi(`/${b.client_id}`, 'PATCH', { scopes: [a.scopes[1]] })).status).toBe(409);
    expect((await adminApi(`/${b.client_id}`, 'PATCH', { identifier: 'https://new.example.test' })).status).toBe(400);
    expect((await adminApi(`/${b.client_id}`, 'PATCH', { rotate_secret: 'yes' })).status).toBe(400);
    expect((await adminApi('/api_unknown', 'PATCH', { name: 'x' })).status).toBe(404);
  });
});
