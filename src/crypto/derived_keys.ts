import { base64url } from 'jose';

const cache = new Map<string, Promise<CryptoKey>>();

/**
 * An HMAC-SHA-256 key derived (HKDF, RFC 5869) from KEY_ENCRYPTION_KEY for one purpose, so one
 * secret serves several uses without any of them revealing another.
 */
export function derivedHmacKey(kekSecret: string | undefined, purpose: string): Promise<CryptoKey> {
  if (!kekSecret) return Promise.reject(new Error('KEY_ENCRYPTION_KEY is not set'));
  const id = `${purpose}:${kekSecret}`;
  let key = cache.get(id);
  if (!key) {
    key = (async () => {
      const ikm = await crypto.subtle.importKey('raw', base64url.decode(kekSecret.trim()), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(purpose) },
        ikm,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      );
    })();
    cache.set(id, key);
    key.catch(() => cache.delete(id));
  }
  return key;
}

export async function hmacBase64url(key: CryptoKey, data: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data))));
}
