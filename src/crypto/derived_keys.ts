import { base64url } from 'jose';
import type { Bindings } from '../env';
import { settings } from '../settings';

const cache = new Map<string, Promise<CryptoKey>>();

/**
 * A key derived (HKDF-SHA-256, RFC 5869) from KEY_ENCRYPTION_KEY for one purpose (`info`), cached
 * per isolate: one secret serves several uses without any of them revealing another.
 */
export function derivedKey(kekSecret: string | undefined, info: string, algorithm: SubtleCryptoImportKeyAlgorithm, usages: string[]): Promise<CryptoKey> {
  if (!kekSecret) return Promise.reject(new Error('KEY_ENCRYPTION_KEY is not set'));
  const id = `${info}:${algorithm.name}:${kekSecret}`;
  let key = cache.get(id);
  if (!key) {
    key = (async () => {
      const ikm = await crypto.subtle.importKey('raw', base64url.decode(kekSecret.trim()), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) }, ikm, algorithm, false, usages);
    })();
    cache.set(id, key);
    key.catch(() => cache.delete(id));
  }
  return key;
}

/** An HMAC-SHA-256 key derived from KEY_ENCRYPTION_KEY for one purpose. */
export const derivedHmacKey = (kekSecret: string | undefined, purpose: string): Promise<CryptoKey> =>
  derivedKey(kekSecret, purpose, { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign']);

export async function hmacBase64url(key: CryptoKey, data: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data))));
}

/**
 * The KEY_ENCRYPTION_KEY secrets of a deployment: the current one and, during a rotation,
 * KEY_ENCRYPTION_KEY_PREVIOUS. New values are always made under the current one; a MAC is
 * verified under the current one, then the previous one (README "Rotating KEY_ENCRYPTION_KEY").
 */
export interface KekSecrets {
  current: string | undefined;
  previous?: string;
}

export const kekSecrets = (env: Bindings): KekSecrets => ({ current: env.KEY_ENCRYPTION_KEY, previous: settings(env).keyEncryptionKeyPrevious });
