import type { JWK } from 'jose';
import { isSigningAlg, SIGNING_ALGS, type SigningAlg } from '../algorithms';

/** The KV key of the published key set document (written only by the key manager). */
export const KEYSET_KV_KEY = 'signing-keys';

/** JWS algorithms we can sign with (RFC 7518 §3, RFC 8037 §3.1). */
export const KEY_ALGORITHMS = SIGNING_ALGS;
export type KeyAlg = SigningAlg;
export const isKeyAlg = isSigningAlg;

/**
 * A key's place in its lifecycle: `next` is published but does not sign yet, `active` signs,
 * `retired` stays published only while tokens it signed can still be valid; then it is removed.
 */
export type KeyState = 'next' | 'active' | 'retired';

/** AES-GCM ciphertext of a private JWK (base64url), bound to its kid as additional data. */
export interface SealedPrivateKey {
  iv: string;
  data: string;
}

export interface KeyRecord {
  kid: string;
  alg: KeyAlg;
  state: KeyState;
  /** When it was created, which is also when it was first published. */
  createdAt: number;
  activatedAt?: number;
  retiredAt?: number;
  /** Exactly what the JWKS publishes for this key. */
  publicJwk: JWK;
  privateKey: SealedPrivateKey;
}

/** The whole key set, as kept in KV under `signing-keys` and in the KeyManager Durable Object. */
export interface KeyDocument {
  /** Incremented by every change; part of the JWKS ETag and of edge cache keys. */
  version: number;
  /** Identifies the key-encryption key that sealed the private keys (not the key itself). */
  kekId: string;
  keys: KeyRecord[];
  updatedAt: number;
}
