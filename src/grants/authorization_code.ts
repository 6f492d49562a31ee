import { OFFLINE_ACCESS, lifetimes, now } from '../config';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { Bindings } from '../env';
import { InvalidGrant, InvalidRequest, UnauthorizedClient } from '../errors';
import type { Params } from '../http/params';
import { isPublicClient, type Client } from '../storage/clients';
import { GrantRepository, type NewGrant } from '../storage/grants';
import { RefreshTokenRepository } from '../storage/refresh_tokens';
import { mintRefreshToken, newFamilyId } from '../tokens/refresh_token_format';
import { UserRepository } from '../storage/users';
import type { CodeRecord } from './code_record';
import { issueUserTokens } from './issue_tokens';
import { requestedUserClaims, type ClaimsRequest } from '../tokens/claims_request';
import type { GrantOptions, TokenResponse } from './token_response';

const CODE_FORMAT = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/;
/** RFC 7636 §4.1: 43 to 128 characters from the unreserved set. */
const VERIFIER_FORMAT = /^[A-Za-z0-9._~-]{43,128}$/;

/** OIDC Core §11: a refresh token only for offline_access that was granted, to a client allowed the grant. */
const wantsRefreshToken = (client: Client, scope: string) => client.grantTypes.includes('refresh_token') && scope.split(' ').includes(OFFLINE_ACCESS);

/** RFC 6749 §4.1.3 with OIDC Core §3.1.3: exchanges an authorization code for tokens. */
export async function authorizationCodeGrant(env: Bindings, client: Client, body: Params, issuer: string, opts: GrantOptions = {}): Promise<TokenResponse> {
  // RFC 6749 §5.2: unauthorized_client when the client may not use this grant type.
  if (!client.grantTypes.includes('authorization_code')) throw new UnauthorizedClient('this client is not allowed the authorization_code grant');
  const code = body.get('code');
  if (!code) throw new InvalidRequest('code is required');
  const verifier = body.get('code_verifier');
  if (verifier !== undefined && !VERIFIER_FORMAT.test(verifier)) throw new InvalidRequest('code_verifier must be 43 to 128 unreserved characters');

  const match = CODE_FORMAT.exec(code);
  if (!match) throw new InvalidGrant('authorization code is invalid');
  let stub;
  try {
    stub = env.AUTH_CODES.get(env.AUTH_CODES.idFromString(match[1]!));
  } catch {
    throw new InvalidGrant('authorization code is invalid');
  }

  const grantId = randomToken(16);
  const issuedAt = now();
  const result = await stub.redeem({
    secretHash: await sha256Base64url(match[2]!),
    clientId: client.id,
    redirectUri: body.get('redirect_uri'),
    verifierChallenge: verifier === undefined ? undefined : await sha256Base64url(verifier),
    grantId,
    now: issuedAt,
    dpopJkt: opts.dpopJkt,
  });
  const grants = new GrantRepository(env.DB);
  const ttl = lifetimes(env, client);
  const grantOf = (record: CodeRecord, id: string): NewGrant => ({
    id,
    clientId: client.id,
    userId: record.userId,
    sid: record.sid,
    scope: record.scope,
    authTime: record.authTime,
    amr: record.amr,
    createdAt: issuedAt,
    // The family lives as long as its longest-lived token.
    expiresAt: issuedAt + (wantsRefreshToken(client, record.scope) ? Math.max(ttl.refreshToken, ttl.accessToken) : ttl.accessToken),
  });
  if (result.outcome === 'replayed') {
    // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what its first use issued.
    await grants.revokeOrPreempt(grantOf(result.record, result.grantId), issuedAt);
    throw new InvalidGrant('authorization code has already been used');
  }
  if (result.outcome === 'rejected') throw new InvalidGrant(result.reason);

  const record = result.record;
  const user = await new UserRepository(env.DB).find(record.userId);
  if (!user) throw new InvalidGrant('the user of this authorization code no longer exists');
  // If a concurrent replay already recorded this grant as revoked, the insert keeps that row: the
  // tokens below are still issued (the redemption itself was the one valid use) but are dead on arrival.
  const grant = grantOf(record, grantId);
  const claimsRequest = record.claims ? (JSON.parse(record.claims) as ClaimsRequest) : undefined;
  // The grant, its userinfo claims and its refresh token family in one batch (one transaction):
  // all of them or, if storage fails, none (issue 10: never a half-written grant).
  const writes = [grants.insertStatement(grant, claimsRequest?.userinfo ? JSON.stringify(claimsRequest.userinfo) : null)];
  let refreshToken: string | undefined;
  if (wantsRefreshToken(client, record.scope)) {
    // One row per family, whatever the number of rotations; the token names family and generation.
    const familyId = newFamilyId();
    refreshToken = await mintRefreshToken(env.KEY_ENCRYPTION_KEY, familyId, 0);
    // Sliding (idle) expiry within the absolute lifetime of the family.
    writes.push(
      new RefreshTokenRepository(env.DB).insertStatement(
        familyId,
        grantId,
        client.id,
        issuedAt,
        Math.min(issuedAt + ttl.refreshTokenIdle, issuedAt + ttl.refreshToken),
        // RFC 9449 §5: a public client's refresh token is bound to its DPoP key.
        isPublicClient(client) ? (opts.dpopJkt ?? null) : null,
      ),
    );
  }
  await env.DB.batch(writes);
  return issueUserTokens({
    env,
    issuer,
    client,
    subject: user.id,
    grantId,
    scope: record.scope,
    authTime: record.authTime,
    sid: record.sid,
    amr: record.amr,
    nonce: record.nonce,
    issuedAt,
    refreshToken,
    dpopJkt: opts.dpopJkt,
    // OIDC Core §5.5: claims requested for the ID token, and the acr (§2).
    idTokenClaims: { ...requestedUserClaims(user, claimsRequest?.id_token), ...(record.acr ? { acr: record.acr } : {}) },
  });
}
