// private_key_jwt towards an upstream (issue 11): the OP makes a key pair per upstream, keeps the
// private half sealed (never returned, never published), publishes the public key at
// /upstream/{slug}/jwks, and rotates it on request; the admin API refuses inconsistent requests.
import { env } from 'cloudflare:test';
import { createLocalJWKSet, jwtVerify, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN, fetchOp, ISSUER } from '../helpers';
import { kekSecrets } from '../../../src/crypto/derived_keys';
import { UpstreamRepository } from '../../../src/storage/upstreams';
import { upstreamPrivateKey } from '../../../src/upstream/client_key';
import { openClientSecret } from '../../../src/upstream/config';
import { upstreamsChanged } from '../../../src/upstream/registry';

let n = 0;
const slug = () => `pkj-${Date.now().toString(36)}-${n++}`;
const create = (body: Record<string, unknown>) => fetchOp('/admin/upstreams', { method: 'POST', headers: ADMIN, body: JSON.stringify(body) });
const patch = (s: string, body: unknown) => fetchOp(`/admin/upstreams/${s}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify(body) });
const base = (s = slug()) => ({ slug: s, name: 'Key IdP', issuer: 'https://idp.example.com', client_id: 'our-client' });
const withKey = (s = slug(), extra: Record<string, unknown> = {}) => ({ ...base(s), auth_method: 'private_key_jwt', ...extra });
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function jwksOf(s: string): Promise<Response> {
  upstreamsChanged();
  return fetchOp(`/upstream/${s}/jwks`);
}

/** A client assertion signed with the key the OP holds, verified against what the jwks_uri publishes. */
async function signsForPublished(s: string): Promise<string> {
  const u = (await new UpstreamRepository(env.DB).find(s))!;
  const { key, kid } = await upstreamPrivateKey(kekSecrets(env), u);
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: u.signingKey!.alg, kid }).setIssuer('our-client').setAudience('https://idp.example.com').setExpirationTime('1m').sign(key);
  const doc = (await (await jwksOf(s)).json()) as { keys: JWK[] };
  const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(doc as { keys: JWK[] }));
  return protectedHeader.kid!;
}

describe('upstreams with private_key_jwt', () => {
  it('create: a key pair of our own (ES256 by default), the jwks_uri to register; no secret needed', async () => {
    const s = slug();
    const res = await create(withKey(s));
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown> & { key: { kid: string; alg: string } };
    expect(body).toMatchObject({ slug: s, auth_method: 'private_key_jwt', jwks_uri: `${ISSUER}/upstream/${s}/jwks`, redirect_uri: `${ISSUER}/upstream/${s}/callback` });
    expect(body.key.alg).toBe('ES256');

    const jwks = await jwksOf(s);
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('content-type')).toContain('application/jwk-set+json');
    expect(jwks.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const doc = (await jwks.json()) as { keys: Record<string, unknown>[] };
    expect(doc.keys).toHaveLength(1);
    expect(doc.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: body.key.kid, alg: 'ES256', use: 'sig' });
    for (const m of PRIVATE_MEMBERS) expect(doc.keys[0]).not.toHaveProperty(m);
    expect(await signsForPublished(s)).toBe(body.key.kid);

    // `get` shows the method and jwks_uri, never private material.
    const got = (await (await fetchOp(`/admin/upstreams/${s}`, { headers: ADMIN })).json()) as Record<string, unknown>;
    expect(got).toMatchObject({ auth_method: 'private_key_jwt', jwks_uri: `${ISSUER}/upstream/${s}/jwks`, key: body.key });
    expect(JSON.stringify(got)).not.toMatch(/"(d|iv|data|private_key)"/);
  });

  it('the private key is sealed at rest (no private member in clear), and opens only under KEY_ENCRYPTION_KEY', async () => {
    const s = slug();
    expect((await create(withKey(s, { key_alg: 'RS256' }))).status).toBe(201);
    const row = (await env.DB.prepare('SELECT client_secret_sealed, auth_method, signing_key FROM upstreams WHERE slug = ?').bind(s).first<{ client_secret_sealed: string; auth_method: string; signing_key: string }>())!;
    expect(row.auth_method).toBe('private_key_jwt');
    expect(row.client_secret_sealed).toBe('');
    const stored = JSON.parse(row.signing_key) as { kid: string; alg: string; public_jwk: Record<string, unknown>; private_key: Record<string, unknown> };
    expect(stored.alg).toBe('RS256');
    expect(Object.keys(stored.private_key).sort()).toEqual(['data', 'iv']);
    for (const m of PRIVATE_MEMBERS) expect(stored.public_jwk).not.toHaveProperty(m);
    expect(row.signing_key).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
    const u = (await new UpstreamRepository(env.DB).find(s))!;
    // Under another key-encryption key it does not open.
    const other = { current: 'b3RoZXJLZUtvdGhlcktlS290aGVyS2VLb3RoZXJLZUs' };
    await expect(upstreamPrivateKey(other, u)).rejects.toThrow(/cannot be opened/);
    // The RSA key carries its certificate (x5c, x5t) in the JWKS, and signs what the JWKS verifies.
    const doc = (await (await jwksOf(s)).json()) as { keys: Record<string, unknown>[] };
    expect(doc.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(doc.keys[0]!.x5c).toBeInstanceOf(Array);
    for (const m of PRIVATE_MEMBERS) expect(doc.keys[0]).not.toHaveProperty(m);
    expect(await signsForPublished(s)).toBe(stored.kid);
  });

  it('update: rotate_key makes a new key pair (the old kid is gone from the JWKS); key_alg changes the algorithm', async () => {
    const s = slug();
    const made = (await (await create(withKey(s))).json()) as { key: { kid: string } };
    const same = (await (await patch(s, { name: 'Renamed' })).json()) as { key: { kid: string } };
    expect(same.key.kid).toBe(made.key.kid);
    const rotated = await patch(s, { rotate_key: true });
    expect(rotated.status).toBe(200);
    const after = (await rotated.json()) as { key: { kid: string; alg: string } };
    expect(after.key.kid).not.toBe(made.key.kid);
    const doc = (await (await jwksOf(s)).json()) as { keys: { kid: string }[] };
    expect(doc.keys.map((k) => k.kid)).toEqual([after.key.kid]);
    expect(await signsForPublished(s)).toBe(after.key.kid);
    const rsa = (await (await patch(s, { key_alg: 'RS256' })).json()) as { key: { kid: string; alg: string } };
    expect(rsa.key.alg).toBe('RS256');
    expect(rsa.key.kid).not.toBe(after.key.kid);
  });

  it('switching methods: to private_key_jwt drops the secret and makes a key; back needs a client_secret and drops the key', async () => {
    const s = slug();
    expect((await create({ ...base(s), client_secret: 'the-old-secret' })).status).toBe(201);
    expect((await jwksOf(s)).status).toBe(404);
    const toKey = await patch(s, { auth_method: 'private_key_jwt' });
    expect(toKey.status).toBe(200);
    expect(await toKey.json()).toMatchObject({ auth_method: 'private_key_jwt', jwks_uri: `${ISSUER}/upstream/${s}/jwks` });
    let u = (await new UpstreamRepository(env.DB).find(s))!;
    expect(u.clientSecretSealed).toBe('');
    expect((await jwksOf(s)).status).toBe(200);

    // Back to a secret method: the secret is required (nothing half-changed when it is missing).
    const noSecret = await patch(s, { auth_method: 'client_secret_post' });
    expect(noSecret.status).toBe(400);
    expect(((await noSecret.json()) as { error: string }).error).toBe('invalid_request');
    expect((await new UpstreamRepository(env.DB).find(s))!.authMethod).toBe('private_key_jwt');
    const back = await patch(s, { auth_method: 'client_secret_post', client_secret: 'a-new-secret' });
    expect(back.status).toBe(200);
    const json = (await back.json()) as Record<string, unknown>;
    expect(json.auth_method).toBe('client_secret_post');
    expect(json).not.toHaveProperty('jwks_uri');
    u = (await new UpstreamRepository(env.DB).find(s))!;
    expect(u.signingKey).toBeNull();
    expect(await openClientSecret(env, u)).toBe('a-new-secret');
    expect((await jwksOf(s)).status).toBe(404);
  });

  it('client_secret upstreams say their method; an existing one defaults to client_secret_basic', async () => {
    const s = slug();
    const res = (await (await create({ ...base(s), client_secret: 'x-secret' })).json()) as Record<string, unknown>;
    expect(res.auth_method).toBe('client_secret_basic');
    expect(res).not.toHaveProperty('jwks_uri');
    expect(res).not.toHaveProperty('key');
  });

  it.each([
    ['a client_secret with private_key_jwt', withKey(undefined, { client_secret: 's' })],
    ['an unknown auth_method', { ...base(), client_secret: 's', auth_method: 'tls_client_auth' }],
    ['auth_method not a string', { ...base(), client_secret: 's', auth_method: 1 }],
    ['an unsupported key_alg', withKey(undefined, { key_alg: 'HS256' })],
    ['key_alg with a secret method', { ...base(), client_secret: 's', key_alg: 'ES256' }],
    ['rotate_key on create', withKey(undefined, { rotate_key: true })],
    ['no client_secret and no auth_method', base()],
  ])('create refuses %s with 400 invalid_request, and stores nothing', async (_what, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    expect(await new UpstreamRepository(env.DB).find(body.slug)).toBeNull();
  });

  it('update refuses rotate_key / key_alg for a secret method, a client_secret for private_key_jwt, a non-boolean rotate_key', async () => {
    const secretSlug = slug();
    await create({ ...base(secretSlug), client_secret: 's' });
    for (const body of [{ rotate_key: true }, { key_alg: 'RS256' }]) expect((await patch(secretSlug, body)).status).toBe(400);
    const keySlug = slug();
    const made = (await (await create(withKey(keySlug))).json()) as { key: { kid: string } };
    for (const body of [{ client_secret: 's' }, { rotate_key: 'yes' }, { key_alg: 'PS256' }]) expect((await patch(keySlug, body)).status).toBe(400);
    expect((await new UpstreamRepository(env.DB).find(keySlug))!.signingKey!.kid).toBe(made.key.kid);
  });

  it('/upstream/{slug}/jwks of an unknown upstream is 404', async () => {
    const res = await jwksOf('no-such-upstream');
    expect(res.status).toBe(404);
  });
});
