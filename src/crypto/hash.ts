import { base64url } from 'jose';

const encoder = new TextEncoder();

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export async function sha256Base64url(data: string | Uint8Array): Promise<string> {
  return base64url.encode(await sha256(data));
}

/**
 * Constant-time equality of two strings. Both sides are hashed first so the comparison
 * does not leak the length of the secret either.
 */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([sha256(a), sha256(b)]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}
