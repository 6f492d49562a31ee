import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { selfSignedCertificate } from './certificate';
import { sealPrivateKey, type KeyEncryptionKey } from './encryption';
import type { KeyAlg, KeyRecord, KeyState } from './types';

/** Certificates outlive any key's time in the JWKS by far; RPs that check dates never see one expire. */
const CERTIFICATE_YEARS = 5;

async function keyPair(alg: KeyAlg, rsaModulusLength: number) {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPair(alg, { modulusLength: rsaModulusLength, extractable: true });
    case 'ES256':
      return generateKeyPair('ES256', { extractable: true });
    case 'EdDSA':
      return generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  }
}

/** Public members only, whatever the key type (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2). */
function publicMembers(jwk: JWK): JWK {
  const { kty, n, e, crv, x, y } = jwk;
  return Object.fromEntries(Object.entries({ kty, crv, n, e, x, y }).filter(([, v]) => v !== undefined)) as JWK;
}

/**
 * Creates a key: kid is the RFC 7638 thumbprint, the private half is sealed with the
 * key-encryption key before it leaves this function, and RSA/EC keys carry a self-signed
 * certificate (x5c, x5t, x5t#S256) for relying parties that only accept certificates.
 */
export async function generateKey(alg: KeyAlg, opts: { kek: KeyEncryptionKey; rsaModulusLength: number; subject: string; now: number; state: KeyState }): Promise<KeyRecord> {
  const { publicKey, privateKey } = await keyPair(alg, opts.rsaModulusLength);
  const pub = publicMembers(await exportJWK(publicKey));
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const publicJwk: JWK = { ...pub, kid, alg, use: 'sig' };
  if (alg !== 'EdDSA') {
    const notBefore = new Date((opts.now - 3600) * 1000);
    const notAfter = new Date(notBefore.getTime() + CERTIFICATE_YEARS * 365 * 86_400_000);
    Object.assign(publicJwk, await selfSignedCertificate({ alg, kid, publicKey: publicKey as CryptoKey, privateKey: privateKey as CryptoKey, subject: opts.subject, notBefore, notAfter }));
  }
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return {
    kid,
    alg,
    state: opts.state,
    createdAt: opts.now,
    ...(opts.state === 'active' ? { activatedAt: opts.now } : {}),
    publicJwk,
    privateKey: await sealPrivateKey(opts.kek, kid, privateJwk),
  };
}
