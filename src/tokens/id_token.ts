import { SignJWT, base64url } from 'jose';
import type { SigningKey } from '../keys/keystore';

export interface IdTokenInput {
  issuer: string;
  subject: string;
  clientId: string;
  authTime: number;
  sid?: string;
  amr: string[];
  nonce?: string;
  accessToken?: string;
  /** OIDC Core §3.3.2.11: the code issued alongside (hybrid flow), hashed into c_hash. */
  code?: string;
  claims?: Record<string, unknown>;
  issuedAt: number;
  lifetime: number;
}

/**
 * OIDC Core §3.1.3.6 / §3.3.2.11: at_hash and c_hash are the base64url of the left half of the
 * hash of the value's ASCII octets, with the hash of the ID token's JWS alg (SHA-256 for RS256,
 * ES256, PS256; -384 and -512 likewise; EdDSA with Ed25519 uses SHA-512, as the OpenID
 * Foundation's suite and other providers do).
 */
export async function leftHalfHash(value: string, alg: string = 'RS256'): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(hashOfAlg(alg), new TextEncoder().encode(value)));
  return base64url.encode(digest.slice(0, digest.length / 2));
}

export function hashOfAlg(alg: string): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  if (alg === 'EdDSA' || alg === 'Ed25519' || alg.endsWith('512')) return 'SHA-512';
  if (alg.endsWith('384')) return 'SHA-384';
  return 'SHA-256';
}

/** OIDC Core §2 and §3.1.3.6. */
export async function signIdToken(input: IdTokenInput, key: SigningKey): Promise<string> {
  const payload: Record<string, unknown> = {
    ...input.claims,
    // OIDC Core §2: auth_time is always present, which honours every client's require_auth_time (Registration 1.0 §2).
    auth_time: input.authTime,
    ...(input.sid !== undefined ? { sid: input.sid } : {}),
    amr: input.amr,
    // azp: the party to which the token was issued; with a single audience it equals aud.
    azp: input.clientId,
  };
  if (input.nonce !== undefined) payload.nonce = input.nonce;
  if (input.accessToken !== undefined) payload.at_hash = await leftHalfHash(input.accessToken, key.alg);
  if (input.code !== undefined) payload.c_hash = await leftHalfHash(input.code, key.alg);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setSubject(input.subject)
    .setAudience(input.clientId)
    .setIssuedAt(input.issuedAt)
    .setExpirationTime(input.issuedAt + input.lifetime)
    .sign(key.key);
}
