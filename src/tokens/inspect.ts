import type { Bindings } from '../env';
import { settings } from '../settings';
import { verificationKey } from '../keys/keystore';
import { readFromReplica } from '../storage/replica';
import { RefreshTokenRepository, type RefreshTokenFamily } from '../storage/refresh_tokens';
import { TokenStatus } from './token_status';
import { parseRefreshToken } from './refresh_token_format';

type ParsedRefreshToken = NonNullable<Awaited<ReturnType<typeof parseRefreshToken>>>;
import { verifyAccessToken, type AccessTokenClaims } from './access_token';

export type InspectedToken =
  | { kind: 'access_token'; claims: AccessTokenClaims; clientId: string; active: boolean }
  | { kind: 'refresh_token'; family: RefreshTokenFamily; clientId: string; active: boolean };

/** A token recognised without storage: a verified access token, or a refresh token whose MAC checks. */
export type RecognisedToken = { kind: 'access_token'; claims: AccessTokenClaims } | { kind: 'refresh_token'; parsed: ParsedRefreshToken };

async function asAccessToken(env: Bindings, issuer: string, token: string): Promise<RecognisedToken | null> {
  if (token.split('.').length !== 3) return null;
  try {
    // Every audience we issue: userinfo, the issuer (client_credentials) and the APIs' identifiers
    // (RFC 8707, issue 13). Only this OP signs at+jwt tokens with these keys; who may learn about
    // a token is decided by the endpoint (introspection: its client, or an API in its aud).
    const claims = await verifyAccessToken(token, issuer, (kid, alg) => verificationKey(env, kid, alg), { audience: null, ignoreExpiry: true });
    return { kind: 'access_token', claims };
  } catch {
    return null;
  }
}

async function asRefreshToken(env: Bindings, token: string): Promise<RecognisedToken | null> {
  const parsed = await parseRefreshToken(env.KEY_ENCRYPTION_KEY, token, settings(env).keyEncryptionKeyPrevious);
  return parsed ? { kind: 'refresh_token', parsed } : null;
}

/**
 * What a presented token is, with no storage trip: access tokens are signed JWTs, refresh tokens
 * carry a MAC over their family and generation. RFC 7009 §2.1 and RFC 7662 §2.1 make
 * token_type_hint a hint only, so it merely decides which kind is tried first. Null for anything
 * that is not one of our tokens.
 */
export async function recogniseToken(env: Bindings, issuer: string, token: string, hint: string | undefined): Promise<RecognisedToken | null> {
  if (hint === 'refresh_token') return (await asRefreshToken(env, token)) ?? (await asAccessToken(env, issuer, token));
  return (await asAccessToken(env, issuer, token)) ?? (await asRefreshToken(env, token));
}

type Status = { active: boolean; family?: RefreshTokenFamily | null };

async function statusOn(db: D1Database | D1DatabaseSession, found: RecognisedToken, now: number): Promise<Status> {
  if (found.kind === 'access_token') {
    const claims = found.claims;
    return { active: claims.exp > now && (await new TokenStatus(db).isActive(claims.gid, claims.jti)) };
  }
  const family = await new RefreshTokenRepository(db).find(found.parsed.familyId);
  if (!family || found.parsed.generation > family.generation) return { active: false, family: null };
  // Only the current generation is active; an earlier one has been exchanged.
  const current = found.parsed.generation === family.generation;
  return { active: family.grantRevokedAt === null && current && family.expiresAt > now && family.grantExpiresAt > now, family };
}

/**
 * Recognises the token, then reads its status (issue 10) from a D1 read replica at most
 * REPLICA_STALENESS_SECONDS behind the primary (src/storage/replica.ts). Only an active answer is
 * taken from the replica; an inactive one is read again on the primary, as the replica may not yet
 * hold a grant or rotation written a moment ago.
 */
export async function inspectToken(env: Bindings, issuer: string, token: string, hint: string | undefined, now: number): Promise<InspectedToken | null> {
  const found = await recogniseToken(env, issuer, token, hint);
  if (!found) return null;
  let status = await readFromReplica(env.DB, (session) => statusOn(session, found, now));
  if (!status.active) status = await statusOn(env.DB, found, now);
  if (found.kind === 'access_token') return { kind: 'access_token', claims: found.claims, clientId: found.claims.client_id, active: status.active };
  if (!status.family) return null;
  return { kind: 'refresh_token', family: status.family, clientId: status.family.clientId, active: status.active };
}
