import { base64url } from 'jose';

/** A URL-safe random string carrying `bytes * 8` bits of entropy (32 bytes = 256 bits). */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}
