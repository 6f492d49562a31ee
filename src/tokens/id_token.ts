import { SignJWT, base64url } from 'jose';
import { sha256 } from '../crypto/hash';
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
  claims?: Record<string, unknown>;
  issuedAt: number;
  lifetime: number;
}

/** OIDC Core §3.1.3.6: at_hash is the base64url of the left half of the hash of the access token's ASCII octets. */
export async function leftHalfHash(value: string): Promise<string> {
  const digest = await sha256(value);
  return base64url.encode(digest.slice(0, digest.length / 2));
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
  if (input.accessToken !== undefined) payload.at_hash = await leftHalfHash(input.accessToken);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setSubject(input.subject)
    .setAudience(input.clientId)
    .setIssuedAt(input.issuedAt)
    .setExpirationTime(input.issuedAt + input.lifetime)
    .sign(key.key);
}
