import { OFFLINE_ACCESS, lifetimes, now } from '../config';
import { audit } from '../observability/audit';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { Bindings } from '../env';
import { InvalidGrant, InvalidRequest, InvalidTarget, UnauthorizedClient } from '../errors';
import { apiFor, parseResource } from './resource';
import type { Params } from '../http/params';
import { isPublicClient, type Client } from '../storage/clients';
import { GrantRepository, type NewGrant } from '../storage/grants';
import { RefreshTokenRepository } from '../storage/refresh_tokens';
import { mintRefreshToken, newFamilyId } from '../tokens/refresh_token_format';
import { UserRepository, userFromRow, type UserRow } from '../storage/users';
import type { CodeRecord } from './code_record';
import { issueUserTokens } from './issue_tokens';
import { requestedUserClaims, type ClaimsRequest } from '../tokens/claims_request';
import { claimsForScopes, withoutSub } from '../tokens/claims';
import type { GrantOptions, TokenResponse } from './token_response';

const CODE_FORMAT = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/;
/** RFC 7636 §4.1: 43 to 128 characters from the unreserved set. */
const VERIFIER_FORMAT = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * A refresh token only to a client allowed the grant, and by its refresh policy (issue 13): for
 * offline_access that was granted (OIDC Core §11, the default), or, with `always`, to a confidential
 * client for every grant (RFC 6749 §1.5 leaves the choice to the server).
 */
const wantsRefreshToken = (client: Client, scope: string) =>
  client.grantTypes.includes('refresh_token') && (scope.split(' ').includes(OFFLINE_ACCESS) || (client.refreshPolicy === 'always' && !isPublicClient(client)));

/** RFC 6749 §4.1.3 with OIDC Core §3.1.3: exchanges an authorization code for tokens. */
export async function authorizationCodeGrant(env: Bindings, client: Client, body: Params, issuer: string, opts: GrantOptions = {}): Promise<TokenResponse> {
  // RFC 6749 §5.2: unauthorized_client when the client may not use this grant type.
  if (!client.grantTypes.includes('authorization_code')) throw new UnauthorizedClient('this client is not allowed the authorization_code grant');
  const code = body.get('code');
  if (!code) throw new InvalidRequest('code is required');
  const verifier = body.get('code_verifier');
  if (verifier !== undefined && !VERIFIER_FORMAT.test(verifier)) throw new InvalidRequest('code_verifier must be 43 to 128 unreserved characters');

  // RFC 8707 §2: checked before the code is spent.
  const askedResource = parseResource(body.get('resource'));

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
  const grantOf = (record: CodeRecord, id: string, accessTtl = ttl.accessToken): NewGrant => ({
    id,
    clientId: client.id,
    userId: record.userId,
    sid: record.sid,
    scope: record.scope,
    authTime: record.authTime,
    amr: record.amr,
    createdAt: issuedAt,
    // The family lives as long as its longest-lived token.
    expiresAt: issuedAt + (wantsRefreshToken(client, record.scope) ? Math.max(ttl.refreshToken, accessTtl) : accessTtl),
    resource: askedResource ?? record.resource ?? null,
  });
  if (result.outcome === 'replayed') {
    // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what its first use issued.
    await grants.revokeOrPreempt(grantOf(result.record, result.grantId), issuedAt);
    audit('code.replay', { subject: result.grantId, outcome: 'revoked', actor: `client:${client.id}` });
    throw new InvalidGrant('authorization code has already been used');
  }
  if (result.outcome === 'rejected') throw new InvalidGrant(result.reason);

  const record = result.record;
  // RFC 8707 §2.2: a resource named here must be the one authorized, when one was; either selects the API.
  if (askedResource !== undefined && record.resource !== undefined && askedResource !== record.resource) {
    throw new InvalidTarget('resource is not the one named in the authorization request (RFC 8707 §2.2)');
  }
  const selected = await apiFor(env, askedResource ?? record.resource, record.scope.split(' '));
  // If a concurrent replay already recorded this grant as revoked, the insert keeps that row: the
  // tokens below are still issued (the redemption itself was the one valid use) but are dead on arrival.
  const grant = grantOf(record, grantId, selected.api?.accessTokenTtl ?? ttl.accessToken);
  const claimsRequest = record.claims ? (JSON.parse(record.claims) as ClaimsRequest) : undefined;
  // Issue 10: ONE primary round trip after the code's Durable Object: the user's row, the grant,
  // its userinfo claims and its refresh token family in one batch (one transaction). The writes are
  // conditional on the user (and the grant) existing, so a user deleted meanwhile leaves nothing
  // written; and all of them or, if storage fails, none (never a half-written grant).
  const users = new UserRepository(env.DB);
  const writes = [grants.insertIfLiveStatement(grant, claimsRequest?.userinfo ? JSON.stringify(claimsRequest.userinfo) : null)];
  let refreshToken: string | undefined;
  if (wantsRefreshToken(client, record.scope)) {
    // One row per family, whatever the number of rotations; the token names family and generation.
    const familyId = newFamilyId();
    refreshToken = await mintRefreshToken(env.KEY_ENCRYPTION_KEY, familyId, 0);
    // Sliding (idle) expiry within the absolute lifetime of the family.
    writes.push(
      new RefreshTokenRepository(env.DB).insertIfGrantStatement(
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
  // The user's row last: the batch's statements see each other's effects, the writes only theirs.
  const results = await env.DB.batch<UserRow>([...writes, users.findStatement(record.userId), grants.existsStatement(grantId)]);
  const row = results[results.length - 2]?.results[0];
  if (!row) throw new InvalidGrant('the user of this authorization code no longer exists');
  // The client was deleted after it authenticated (from the isolate cache): nothing was written.
  if (!results[results.length - 1]?.results[0]) throw new InvalidGrant('the client of this authorization code no longer exists');
  const user = userFromRow(row);
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
    api: selected.api ? { api: selected.api, scopes: selected.scopes } : null,
    // Issue 13: the granted scopes' claims, from the row read in the batch above (no further trip).
    scopeClaims: withoutSub(claimsForScopes(user, record.scope.split(' '))),
    // OIDC Core §5.5: claims requested for the ID token, and the acr (§2).
    idTokenClaims: { ...requestedUserClaims(user, claimsRequest?.id_token), ...(record.acr ? { acr: record.acr } : {}) },
  });
}
