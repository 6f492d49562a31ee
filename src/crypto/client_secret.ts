import { base64url } from 'jose';
import { sha256 } from './hash';

/**
 * Client secrets are 256-bit random values, so a salted SHA-256 is enough to store them:
 * unlike passwords they cannot be guessed, and the token endpoint must stay cheap.
 * Format: sha256$<salt b64url>$<hash b64url>.
 */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
  return `sha256$${salt}$${base64url.encode(await sha256(`${salt}.${secret}`))}`;
}

export async function verifyClientSecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'sha256' || !salt || !hash) return false;
  const expected = base64url.decode(hash);
  const actual = await sha256(`${salt}.${secret}`);
  return actual.length === expected.length && crypto.subtle.timingSafeEqual(actual, expected);
}
