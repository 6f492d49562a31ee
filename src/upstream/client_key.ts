import { importJWK, type JWK } from 'jose';
import type { KekSecrets } from '../crypto/derived_keys';
import type { Bindings } from '../env';
import { keyEncryptionKey, keyEncryptionKeys, openPrivateKeyWithAny, sealPrivateKey } from '../keys/encryption';
import { generateKey } from '../keys/generate';
import { settings } from '../settings';
import type { Upstream, UpstreamSigningKey } from '../storage/upstreams';

/**
 * The key pair the OP holds for an upstream that authenticates us with `private_key_jwt` (OIDC
 * Core §9, RFC 7523 §2.2): made by the signing keys' generator (keys/generate.ts: kid the RFC 7638
 * thumbprint, RSA/EC keys with a self-signed certificate), the private half sealed under
 * KEY_ENCRYPTION_KEY before it is stored (the kid as additional data) and opened only to sign a
 * client assertion; the public half published at `{issuer}/upstream/{slug}/jwks`, the jwks_uri the
 * operator registers at the upstream.
 */

export const UPSTREAM_KEY_ALGS = ['ES256', 'RS256'] as const;
export type UpstreamKeyAlg = (typeof UPSTREAM_KEY_ALGS)[number];

export const jwksUri = (issuer: string, slug: string) => `${issuer}/upstream/${slug}/jwks`;

export async function generateUpstreamKey(env: Bindings, slug: string, alg: UpstreamKeyAlg, at: number): Promise<UpstreamSigningKey> {
  const record = await generateKey(alg, {
    kek: await keyEncryptionKey(env.KEY_ENCRYPTION_KEY),
    rsaModulusLength: settings(env).rsaModulusLength,
    subject: `upstream client ${slug}`,
    now: at,
    state: 'active',
  });
  return { kid: record.kid, alg, publicJwk: record.publicJwk, privateKey: record.privateKey };
}

/**
 * Opens an upstream's private key; during a KEY_ENCRYPTION_KEY rotation one still sealed under
 * KEY_ENCRYPTION_KEY_PREVIOUS opens too (`underPrevious`: the cron re-seals it, jobs/reseal.ts).
 * Null when neither key opens it.
 */
export async function openUpstreamKeyWithAny(kek: KekSecrets, key: UpstreamSigningKey): Promise<{ jwk: JWK; underPrevious: boolean } | null> {
  try {
    return await openPrivateKeyWithAny(await keyEncryptionKeys(kek.current, kek.previous), key.kid, key.privateKey);
  } catch {
    return null;
  }
}

/** The same key sealed again under the current KEY_ENCRYPTION_KEY. */
export async function resealUpstreamKey(env: Bindings, key: UpstreamSigningKey, jwk: JWK): Promise<UpstreamSigningKey> {
  return { ...key, privateKey: await sealPrivateKey(await keyEncryptionKey(env.KEY_ENCRYPTION_KEY), key.kid, jwk) };
}

/** The private key to sign client assertions with (a non-extractable CryptoKey). */
export async function upstreamPrivateKey(kek: KekSecrets, u: Pick<Upstream, 'slug' | 'signingKey'>): Promise<{ key: CryptoKey; kid: string; x5t?: string }> {
  const opened = u.signingKey ? await openUpstreamKeyWithAny(kek, u.signingKey) : null;
  if (!u.signingKey || !opened) throw new Error(`the private_key_jwt key of upstream ${u.slug} cannot be opened: KEY_ENCRYPTION_KEY does not match the one that sealed it`);
  const key = (await importJWK({ ...opened.jwk, ext: false }, u.signingKey.alg)) as CryptoKey;
  const x5t = typeof u.signingKey.publicJwk.x5t === 'string' ? u.signingKey.publicJwk.x5t : undefined;
  return { key, kid: u.signingKey.kid, ...(x5t ? { x5t } : {}) };
}

/** The JWKS document of `{issuer}/upstream/{slug}/jwks` (RFC 7517 §5): the public key only, or no key. */
export function upstreamJwks(u: Pick<Upstream, 'signingKey' | 'authMethod'>): { keys: JWK[] } {
  if (u.authMethod !== 'private_key_jwt' || !u.signingKey) return { keys: [] };
  const { kty, crv, x, y, n, e, kid, alg, use, x5c, x5t } = u.signingKey.publicJwk;
  const x5tS256 = (u.signingKey.publicJwk as Record<string, unknown>)['x5t#S256'];
  const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg, use, x5c, x5t, 'x5t#S256': x5tS256 }).filter(([, v]) => v !== undefined));
  return { keys: [jwk as JWK] };
}
