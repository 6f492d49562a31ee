import type { Bindings } from '../env';
import { verificationKey } from '../keys/keystore';
import { RefreshTokenRepository, type RefreshTokenFamily } from '../storage/refresh_tokens';
import { TokenStatus } from './token_status';
import { parseRefreshToken } from './refresh_token_format';
import { accessTokenAudience, verifyAccessToken, type AccessTokenClaims } from './access_token';

export type InspectedToken =
  | { kind: 'access_token'; claims: AccessTokenClaims; clientId: string; active: boolean }
  | { kind: 'refresh_token'; family: RefreshTokenFamily; clientId: string; active: boolean };


async function asAccessToken(env: Bindings, issuer: string, token: string, now: number): Promise<InspectedToken | null> {
  if (token.split('.').length !== 3) return null;
  try {
    const claims = await verifyAccessToken(token, issuer, (kid, alg) => verificationKey(env, kid, alg), {
      audience: [accessTokenAudience(issuer), issuer],
      ignoreExpiry: true,
    });
    const active = claims.exp > now && (await new TokenStatus(env.DB).isActive(claims.gid, claims.jti));
    return { kind: 'access_token', claims, clientId: claims.client_id, active };
  } catch {
    return null;
  }
}

async function asRefreshToken(env: Bindings, token: string, now: number): Promise<InspectedToken | null> {
  const parsed = await parseRefreshToken(env.KEY_ENCRYPTION_KEY, token);
  if (!parsed) return null;
  const family = await new RefreshTokenRepository(env.DB).find(parsed.familyId);
  if (!family || parsed.generation > family.generation) return null;
  // Only the current generation is active; an earlier one has been exchanged.
  const current = parsed.generation === family.generation;
  const active = family.grantRevokedAt === null && current && family.expiresAt > now && family.grantExpiresAt > now;
  return { kind: 'refresh_token', family, clientId: family.clientId, active };
}

/**
 * Finds out what a presented token is, whatever the client claims: RFC 7009 §2.1 and RFC 7662
 * §2.1 make token_type_hint a hint only, so it merely decides which kind is tried first.
 * Returns null for anything that is not one of our tokens.
 */
export async function inspectToken(env: Bindings, issuer: string, token: string, hint: string | undefined, now: number): Promise<InspectedToken | null> {
  const order = hint === 'refresh_token' ? [asRefreshToken, asAccessToken] : [asAccessToken, asRefreshToken];
  for (const attempt of order) {
    const found = attempt === asAccessToken ? await asAccessToken(env, issuer, token, now) : await asRefreshToken(env, token, now);
    if (found) return found;
  }
  return null;
}
