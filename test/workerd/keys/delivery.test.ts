import { describe, expect, it } from 'vitest';
import { MIN_PREPUBLICATION, keyPolicy } from '../../../src/keys/policy_config';
import { ADMIN, env, fetchOp } from '../helpers';
import { freshStorage } from './helpers';

const maxAge = (res: Response) => Number(/max-age=(\d+)/.exec(res.headers.get('Cache-Control') ?? '')?.[1]);
const swr = (res: Response) => Number(/stale-while-revalidate=(\d+)/.exec(res.headers.get('Cache-Control') ?? '')?.[1]);

/** The JWKS holds an Ed25519 key, or discovery lists EdDSA among the ID token signing algorithms. */
const edDsaListed = (doc: { keys?: { kty: string }[]; id_token_signing_alg_values_supported?: string[] }) =>
  doc.keys ? doc.keys.some((k) => k.kty === 'OKP') : doc.id_token_signing_alg_values_supported!.includes('EdDSA');

describe.each([
  ['/jwks', 'application/jwk-set+json'],
  ['/.well-known/openid-configuration', 'application/json'],
])('delivery of %s', (path, type) => {
  it('is publicly cacheable for less than the pre-publication window, with CORS', async () => {
    const res = await fetchOp(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe(type);
    expect(res.headers.get('Cache-Control')).toMatch(/^public, /);
    expect(maxAge(res)).toBeGreaterThan(0);
    // A relying party may hold the document for max-age plus stale-while-revalidate: a new key must be
    // published for longer than that before it signs.
    expect(maxAge(res) + swr(res)).toBeLessThan(keyPolicy(env).prepublication);
    expect(maxAge(res) + swr(res)).toBeLessThan(MIN_PREPUBLICATION);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });

  it('has a strong ETag and answers 304 to If-None-Match', async () => {
    const first = await fetchOp(path);
    const etag = first.headers.get('ETag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
    const again = await fetchOp(path, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('ETag')).toBe(etag);
    const list = await fetchOp(path, { headers: { 'If-None-Match': `"other", ${etag}` } });
    expect(list.status).toBe(304);
    const stale = await fetchOp(path, { headers: { 'If-None-Match': '"not-it"' } });
    expect(stale.status).toBe(200);
  });

  it('changes its ETag (and body) when the key set changes', async () => {
    // From empty storage: the default algorithms only, then an EdDSA key is added, which changes
    // both the JWKS and discovery's *_signing_alg_values_supported.
    await freshStorage();
    const before = await fetchOp(path);
    expect(edDsaListed(await before.json())).toBe(false);
    const rotated = await fetchOp('/admin/keys/rotate', { method: 'POST', headers: ADMIN, body: JSON.stringify({ alg: 'EdDSA' }) });
    expect(rotated.status).toBe(200);
    const after = await fetchOp(path);
    expect(after.status).toBe(200);
    expect(edDsaListed(await after.json())).toBe(true);
    expect(after.headers.get('ETag')).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
    expect(after.headers.get('ETag')).not.toBe(before.headers.get('ETag'));
    // The old ETag no longer matches.
    expect((await fetchOp(path, { headers: { 'If-None-Match': before.headers.get('ETag')! } })).status).toBe(200);
  });
});

describe('JWKS certificates', () => {
  it('publish x5c, x5t and x5t#S256 for RSA and EC keys, and none for OKP keys', async () => {
    const rotated = await fetchOp('/admin/keys/rotate', { method: 'POST', headers: ADMIN, body: JSON.stringify({ alg: 'EdDSA' }) });
    expect(rotated.status).toBe(200);
    const { keys } = (await (await fetchOp('/jwks')).json()) as { keys: Record<string, unknown>[] };
    expect(new Set(keys.map((k) => k.kty))).toEqual(new Set(['RSA', 'EC', 'OKP']));
    for (const key of keys) {
      if (key.kty === 'OKP') {
        expect(key).not.toHaveProperty('x5c');
        continue;
      }
      expect(Array.isArray(key.x5c)).toBe(true);
      const der = Uint8Array.from(atob((key.x5c as string[])[0]!), (c) => c.charCodeAt(0));
      const b64url = (b: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      expect(key.x5t).toBe(b64url(await crypto.subtle.digest('SHA-1', der)));
      expect(key['x5t#S256']).toBe(b64url(await crypto.subtle.digest('SHA-256', der)));
    }
  });
});
