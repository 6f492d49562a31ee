import { base64url, type JWK } from 'jose';
import { sha256 } from '../crypto/hash';
import type { SealedPrivateKey } from './types';

/** The configuration problems that must stop signing rather than silently create new keys. */
export class KeyEncryptionError extends Error {}

export interface KeyEncryptionKey {
  id: string;
  key: CryptoKey;
}

/** Imported keys by secret (the current and, during a rotation, the previous one). */
const cached = new Map<string, Promise<KeyEncryptionKey>>();

/**
 * The key-encryption key from the KEY_ENCRYPTION_KEY secret: 32 random bytes, base64url
 * (`npm run dev` creates one; in production `wrangler secret put KEY_ENCRYPTION_KEY`).
 */
export function keyEncryptionKey(raw: string | undefined): Promise<KeyEncryptionKey> {
  if (!raw) return Promise.reject(new KeyEncryptionError('KEY_ENCRYPTION_KEY is not set: signing keys cannot be sealed or opened'));
  const hit = cached.get(raw);
  if (hit) return hit;
  const kek = (async () => {
    let bytes: Uint8Array;
    try {
      bytes = base64url.decode(raw.trim());
    } catch {
      throw new KeyEncryptionError('KEY_ENCRYPTION_KEY is not base64url');
    }
    if (bytes.length !== 32) throw new KeyEncryptionError('KEY_ENCRYPTION_KEY must be 32 bytes (256 bits), base64url-encoded');
    const id = base64url.encode((await sha256(new Uint8Array([...new TextEncoder().encode('kek-id:'), ...bytes]))).slice(0, 12));
    const key = await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
    return { id, key };
  })();
  if (cached.size >= 4) cached.clear();
  cached.set(raw, kek);
  kek.catch(() => cached.delete(raw));
  return kek;
}

/**
 * The current key-encryption key and, during a rotation, the previous one
 * (KEY_ENCRYPTION_KEY_PREVIOUS): what the previous one sealed still opens until the cron has
 * re-sealed it under the current one (README "Rotating KEY_ENCRYPTION_KEY").
 */
export interface KeyEncryptionKeys {
  current: KeyEncryptionKey;
  previous?: KeyEncryptionKey;
}

export async function keyEncryptionKeys(current: string | undefined, previous: string | undefined): Promise<KeyEncryptionKeys> {
  const [cur, prev] = await Promise.all([keyEncryptionKey(current), previous && previous !== current ? keyEncryptionKey(previous) : undefined]);
  return prev ? { current: cur, previous: prev } : { current: cur };
}

/** The key of `keks` whose id is `kekId`, or undefined. */
export const kekById = (keks: KeyEncryptionKeys, kekId: string): KeyEncryptionKey | undefined =>
  keks.current.id === kekId ? keks.current : keks.previous?.id === kekId ? keks.previous : undefined;

/** Opens with the current key, else with the previous one; says which one opened it. */
export async function openPrivateKeyWithAny(keks: KeyEncryptionKeys, kid: string, sealed: SealedPrivateKey): Promise<{ jwk: JWK; underPrevious: boolean }> {
  try {
    return { jwk: await openPrivateKey(keks.current, kid, sealed), underPrevious: false };
  } catch (err) {
    if (!keks.previous) throw err;
    return { jwk: await openPrivateKey(keks.previous, kid, sealed), underPrevious: true };
  }
}

const encoder = new TextEncoder();

export async function sealPrivateKey(kek: KeyEncryptionKey, kid: string, jwk: JWK): Promise<SealedPrivateKey> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(kid) }, kek.key, encoder.encode(JSON.stringify(jwk)));
  return { iv: base64url.encode(iv), data: base64url.encode(new Uint8Array(data)) };
}

export async function openPrivateKey(kek: KeyEncryptionKey, kid: string, sealed: SealedPrivateKey): Promise<JWK> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: base64url.decode(sealed.iv), additionalData: encoder.encode(kid) },
      kek.key,
      base64url.decode(sealed.data),
    );
    return JSON.parse(new TextDecoder().decode(plain)) as JWK;
  } catch {
    throw new KeyEncryptionError(`signing key ${kid} cannot be decrypted: KEY_ENCRYPTION_KEY does not match the one that sealed it`);
  }
}
