import { lifetimes, now } from '../config';
import { audit } from '../observability/audit';
import { derivedHmacKey, hmacBase64url } from '../crypto/derived_keys';
import type { Bindings } from '../env';
import { settings } from '../settings';
import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget, UnauthorizedClient } from '../errors';
import type { Params } from '../http/params';
import type { Client } from '../storage/clients';
import { GrantRepository } from '../storage/grants';
import { RefreshTokenRepository, type RefreshTokenFamily } from '../storage/refresh_tokens';
import { mintRefreshToken, parseRefreshToken } from '../tokens/refresh_token_format';
import { issueUserTokens } from './issue_tokens';
import { apiFor, parseResource, selectApi } from './resource';
import { ApiRepository, type Api } from '../storage/apis';
import { claimsForScopes, withoutSub } from '../tokens/claims';
import type { GrantOptions, TokenResponse } from './token_response';

/**
 * The jti of the access token issued with a refresh is derived from the presented token (HMAC
 * under a key derived from KEY_ENCRYPTION_KEY), like its successor (the next generation of the
 * family, src/tokens/refresh_token_format.ts): a request that races or retries a rotation within
 * the reuse interval therefore gets exactly the same pair without the pair ever being stored.
 */
async function derivedJti(env: Bindings, presented: string): Promise<string> {
  const key = await derivedHmacKey(env.KEY_ENCRYPTION_KEY, 'refresh-token-rotation');
  return (await hmacBase64url(key, `jti:${presented}`)).slice(0, 22);
}

/** The requested scope words (RFC 6749 §6), or none: the whole grant. */
function askedScopes(body: Params): string[] {
  const raw = body.get('scope');
  return raw === undefined ? [] : [...new Set(raw.split(' ').filter(Boolean))];
}

/** RFC 6749 §6: narrowing is allowed, widening never (the new scope must be within the grant). */
function requestedScope(body: Params, family: RefreshTokenFamily): string {
  const granted = family.scope.split(' ');
  if (body.get('scope') === undefined) return family.scope;
  const asked = askedScopes(body);
  const extra = asked.filter((s) => !granted.includes(s));
  if (extra.length > 0) throw new InvalidScope(`scope exceeds what was granted: ${extra.join(' ')}`);
  return granted.filter((s) => asked.includes(s)).join(' ');
}

/**
 * RFC 6749 §6 and OIDC Core §12: exchanges a refresh token, rotating it, in ONE round trip to the
 * primary (a batch: the conditional rotation, then the family as it is afterwards). A token of an
 * earlier generation is a replay: the previous generation within the reuse interval gets the same
 * new pair again (concurrent tabs and retries); any other replay revokes the whole family
 * (RFC 9700 §4.14.2).
 */
export async function refreshTokenGrant(env: Bindings, client: Client, body: Params, issuer: string, opts: GrantOptions = {}): Promise<TokenResponse> {
  if (!client.grantTypes.includes('refresh_token')) throw new UnauthorizedClient('this client is not allowed the refresh_token grant');
  const presented = body.get('refresh_token');
  if (!presented) throw new InvalidRequest('refresh_token is required');
  const parsed = await parseRefreshToken(env.KEY_ENCRYPTION_KEY, presented, settings(env).keyEncryptionKeyPrevious);
  if (!parsed) throw new InvalidGrant('refresh token is invalid');
  // RFC 8707 §2: checked before the token is rotated, so a refused resource never spends it: a
  // registered API, one of whose scopes is asked for (when scope is) or held by the grant (in the rotation).
  const askedResource = parseResource(body.get('resource'));
  let askedApi: Api | undefined;
  if (askedResource !== undefined) {
    const table = await new ApiRepository(env.DB).cached();
    askedApi = table.byIdentifier.get(askedResource);
    if (!askedApi) throw new InvalidTarget('resource is not a registered API');
    if (askedScopes(body).length > 0) selectApi(table, askedResource, askedScopes(body));
  }

  const at = now();
  const ttl = lifetimes(env, client);
  const { rotated, family } = await new RefreshTokenRepository(env.DB).rotate({
    familyId: parsed.familyId,
    generation: parsed.generation,
    clientId: client.id,
    at,
    idleTtl: ttl.refreshTokenIdle,
    absoluteTtl: ttl.refreshToken,
    scopes: askedScopes(body),
    dpopJkt: opts.dpopJkt,
    anyOfScopes: askedApi?.scopes,
  });
  // A client's own tokens only (RFC 6749 §6: the token was issued to the authenticated client).
  if (!family || family.clientId !== client.id || parsed.generation > family.generation) throw new InvalidGrant('refresh token is invalid');

  let issuedAt: number;
  if (rotated) {
    issuedAt = at;
  } else {
    // Not rotated by this request: the reason, in the order the rules apply. A bound family
    // presented without its key is refused before any replay rule (a thief revokes nothing).
    if (family.dpopJkt !== null && family.dpopJkt !== opts.dpopJkt) throw new InvalidGrant('refresh token is bound to another DPoP key (RFC 9449 §5)');
    if (family.grantRevokedAt !== null) throw new InvalidGrant('refresh token has been revoked');
    const current = family.generation === parsed.generation;
    if (family.grantExpiresAt <= at || (current && family.expiresAt <= at)) throw new InvalidGrant('refresh token has expired');
    requestedScope(body, family);
    // The API named by resource defines none of the grant's scopes: invalid_target, the token unspent.
    if (askedApi && !family.scope.split(' ').some((s) => askedApi!.scopes.includes(s))) throw new InvalidTarget(`none of the scopes of ${askedApi.identifier} is granted`);
    if (!family.userExists) throw new InvalidGrant('the user of this refresh token no longer exists');
    const previousWithinInterval =
      family.generation === parsed.generation + 1 && family.rotatedAt !== null && at - family.rotatedAt <= ttl.refreshReuseInterval;
    if (!previousWithinInterval) {
      await new GrantRepository(env.DB).revoke(family.grantId, at);
      audit('refresh_token.reuse', { subject: family.grantId, outcome: 'revoked', actor: `client:${client.id}`, details: { generation: parsed.generation, current_generation: family.generation } });
      throw new InvalidGrant('refresh token was already used; the grant has been revoked');
    }
    issuedAt = family.rotatedAt!;
  }
  const scope = requestedScope(body, family);
  // RFC 8707 §2.2: `resource` picks any API whose scopes the grant holds; without it, the grant's own.
  // A refused resource after the rotation: the successor is the same on a retry within the reuse interval.
  const selected = await apiFor(env, askedResource ?? family.resource ?? undefined, scope.split(' '));
  const [successor, jti] = await Promise.all([mintRefreshToken(env.KEY_ENCRYPTION_KEY, family.id, parsed.generation + 1), derivedJti(env, presented)]);
  // OIDC Core §12.2: a refreshed ID token keeps sub, auth_time and sid, and carries no nonce.
  return issueUserTokens({
    env,
    issuer,
    client,
    subject: family.userId,
    grantId: family.grantId,
    scope,
    authTime: family.authTime ?? family.grantCreatedAt,
    sid: family.sid,
    amr: family.amr,
    issuedAt,
    accessTokenJti: jti,
    refreshToken: successor,
    dpopJkt: opts.dpopJkt,
    api: selected.api ? { api: selected.api, scopes: selected.scopes } : null,
    // Issue 13: the scopes' claims from the user columns the rotation's batch already read (no further trip).
    scopeClaims: family.userClaims ? withoutSub(claimsForScopes({ id: family.userId, claims: family.userClaims, updatedAt: family.userUpdatedAt ?? 0 }, scope.split(' '))) : undefined,
  });
}
