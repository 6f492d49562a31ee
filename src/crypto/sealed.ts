import { base64url } from 'jose';
import { derivedKey, type KekSecrets } from './derived_keys';

/**
 * An AES-256-GCM key derived (HKDF, RFC 5869) from KEY_ENCRYPTION_KEY for one purpose label, so a
 * value sealed for one use never opens for another (and reveals nothing of the other keys).
 */
const sealingKey = (kekSecret: string | undefined, purpose: string): Promise<CryptoKey> =>
  derivedKey(kekSecret, `sealed:${purpose}`, { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']);

/**
 * Seals a JSON value: AES-GCM (confidential and authenticated), a random 96-bit IV, and `context`
 * as additional data, so a sealed value only opens for the same context (e.g. the id it was made for).
 * The result is base64url (`iv.ciphertext`), safe in a cookie.
 */
export async function sealJson(kekSecret: string | undefined, purpose: string, context: string, value: unknown): Promise<string> {
  const key = await sealingKey(kekSecret, purpose);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(JSON.stringify(value));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) }, key, data));
  return `${base64url.encode(iv)}.${base64url.encode(sealed)}`;
}

/** Opens a value sealed by sealJson for the same purpose and context; null if it was altered, made up or sealed for another context. */
export async function openJson<T>(kekSecret: string | undefined, purpose: string, context: string, sealed: string): Promise<T | null> {
  const key = await sealingKey(kekSecret, purpose);
  const dot = sealed.indexOf('.');
  if (dot < 0 || sealed.length > 8192) return null;
  try {
    const iv = base64url.decode(sealed.slice(0, dot));
    if (iv.length !== 12) return null;
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) }, key, base64url.decode(sealed.slice(dot + 1)));
    return JSON.parse(new TextDecoder().decode(plain)) as T;
  } catch {
    return null;
  }
}

/**
 * openJson under the current KEY_ENCRYPTION_KEY, then (during a rotation) KEY_ENCRYPTION_KEY_PREVIOUS:
 * what was sealed before the rotation still opens; `underPrevious` tells a caller that stores the
 * value to seal it again under the current key.
 */
export async function openJsonWithAny<T>(kek: KekSecrets, purpose: string, context: string, sealed: string): Promise<{ value: T; underPrevious: boolean } | null> {
  const current = await openJson<T>(kek.current, purpose, context, sealed);
  if (current !== null) return { value: current, underPrevious: false };
  const previous = kek.previous ? await openJson<T>(kek.previous, purpose, context, sealed) : null;
  return previous !== null ? { value: previous, underPrevious: true } : null;
}
