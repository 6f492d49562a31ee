import { compactVerify, decodeProtectedHeader } from 'jose';
import type { Bindings } from '../env';
import { verificationKey } from '../keys/keystore';

export interface IdTokenHint {
  sub: string;
  sid?: string;
  aud: string[];
  exp?: number;
}

/**
 * Verifies an ID token we issued, as an `id_token_hint` (OIDC Core §3.1.2.1, RP-Initiated Logout
 * §2): signed by one of our published keys (never `alg: none`), our `iss`, a `sub` and an `aud`.
 * Expiry is deliberately not checked: the hint identifies a user and a session, it grants nothing,
 * and the spec says an expired one SHOULD be accepted. Returns null for anything else.
 */
export async function verifyIdTokenHint(env: Bindings, token: string, issuer: string): Promise<IdTokenHint | null> {
  if (token.length > 8192) return null;
  try {
    const header = decodeProtectedHeader(token);
    if (header.typ !== undefined && header.typ !== 'JWT') return null;
    const key = await verificationKey(env, header.kid, header.alg);
    if (!key) return null;
    const { payload } = await compactVerify(token, key);
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (claims.iss !== issuer || typeof claims.sub !== 'string') return null;
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
    if (aud.length === 0) return null;
    return { sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined, aud, exp: typeof claims.exp === 'number' ? claims.exp : undefined };
  } catch {
    return null;
  }
}
