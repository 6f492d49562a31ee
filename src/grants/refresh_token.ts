import { lifetimes, now } from '../config';
import { derivedHmacKey, hmacBase64url } from '../crypto/derived_keys';
import type { Bindings } from '../env';
import { InvalidGrant, InvalidRequest, InvalidScope, UnauthorizedClient } from '../errors';
import type { Params } from '../http/params';
import type { Client } from '../storage/clients';
import { GrantRepository } from '../storage/grants';
import { RefreshTokenRepository, type RefreshTokenFamily } from '../storage/refresh_tokens';
import { issueUserTokens } from './issue_tokens';
import type { TokenResponse } from './token_response';

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The successor of a refresh token and the jti of the access token issued with it are derived
 * from the presented token (HMAC under a key derived from KEY_ENCRYPTION_KEY). A request that
 * races or retries a rotation within the reuse interval therefore gets exactly the same pair
 * without the pair ever being stored, and nobody without the key can predict a successor.
 */
async function derived(env: Bindings, presented: string) {
  const key = await derivedHmacKey(env.KEY_ENCRYPTION_KEY, 'refresh-token-rotation');
  const successor = (await hmacBase64url(key, `rt:${presented}`)).slice(0, 43);
  const jti = (await hmacBase64url(key, `jti:${presented}`)).slice(0, 22);
  return { successor, jti };
}

/** RFC 6749 §6: narrowing is allowed, widening never (the new scope must be within the grant). */
function requestedScope(body: Params, family: RefreshTokenFamily): string {
  const granted = family.scope.split(' ');
  const raw = body.get('scope');
  if (raw === undefined) return family.scope;
  const asked = [...new Set(raw.split(' ').filter(Boolean))];
  const extra = asked.filter((s) => !granted.includes(s));
  if (extra.length > 0) throw new InvalidScope(`scope exceeds what was granted: ${extra.join(' ')}`);
  return granted.filter((s) => asked.includes(s)).join(' ');
}

/**
 * RFC 6749 §6 and OIDC Core §12: exchanges a refresh token, rotating it. A token already rotated
 * is a replay: within the reuse interval the same new pair is returned (concurrent tabs and
 * retries), after it the whole family is revoked (RFC 9700 §4.14.2).
 */
export async function refreshTokenGrant(env: Bindings, client: Client, body: Params, issuer: string): Promise<TokenResponse> {
  if (!client.grantTypes.includes('refresh_token')) throw new UnauthorizedClient('this client is not allowed the refresh_token grant');
  const presented = body.get('refresh_token');
  if (!presented) throw new InvalidRequest('refresh_token is required');
  if (!TOKEN_FORMAT.test(presented)) throw new InvalidGrant('refresh token is invalid');

  const tokens = new RefreshTokenRepository(env.DB);
  const family = await tokens.find(presented);
  const at = now();
  // A client's own tokens only (RFC 6749 §6: the token was issued to the authenticated client).
  if (!family || family.clientId !== client.id) throw new InvalidGrant('refresh token is invalid');
  if (family.grantRevokedAt !== null) throw new InvalidGrant('refresh token has been revoked');
  if (family.grantExpiresAt <= at || (family.rotatedAt === null && family.expiresAt <= at)) throw new InvalidGrant('refresh token has expired');
  const scope = requestedScope(body, family);

  if (!family.userExists) throw new InvalidGrant('the user of this refresh token no longer exists');

  const ttl = lifetimes(env, client);
  const { successor, jti } = await derived(env, presented);
  let rotatedAt = family.rotatedAt;
  if (rotatedAt === null) {
    // Sliding expiry for the successor, never past the family's absolute expiry.
    const successorExpiry = Math.min(at + ttl.refreshTokenIdle, family.grantCreatedAt + ttl.refreshToken, family.grantExpiresAt);
    const won = await tokens.rotate(family.idHash, at, successor, family.grantId, client.id, successorExpiry);
    rotatedAt = won ? at : ((await tokens.rotatedAt(family.idHash)) ?? at);
  } else if (at - rotatedAt > ttl.refreshReuseInterval) {
    await new GrantRepository(env.DB).revoke(family.grantId, at);
    throw new InvalidGrant('refresh token was already used; the grant has been revoked');
  }
  // OIDC Core §12.2: a refreshed ID token keeps sub, auth_time and sid, and carries no nonce.
  return issueUserTokens({
    env,
    issuer,
    client,
    subject: family.userId,
    grantId: family.grantId,
    scope,
    authTime: family.authTime ?? family.issuedAt,
    sid: family.sid,
    amr: family.amr,
    issuedAt: rotatedAt,
    accessTokenJti: jti,
    refreshToken: successor,
  });
}
