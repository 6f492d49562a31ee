import { lifetimes, now } from '../config';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { Bindings } from '../env';
import { InvalidGrant, InvalidRequest } from '../errors';
import type { Params } from '../http/params';
import { signingKey } from '../keys/keystore';
import { keyPolicy } from '../keys/policy_config';
import type { Client } from '../storage/clients';
import type { CodeRecord } from './code_record';
import { GrantRepository } from '../storage/grants';
import { UserRepository } from '../storage/users';
import { signAccessToken } from '../tokens/access_token';
import { requestedUserClaims, type ClaimsRequest } from '../tokens/claims_request';
import { signIdToken } from '../tokens/id_token';
import type { TokenResponse } from './token_response';

const CODE_FORMAT = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/;
/** RFC 7636 §4.1: 43 to 128 characters from the unreserved set. */
const VERIFIER_FORMAT = /^[A-Za-z0-9._~-]{43,128}$/;

/** RFC 6749 §4.1.3 with OIDC Core §3.1.3: exchanges an authorization code for tokens. */
export async function authorizationCodeGrant(env: Bindings, client: Client, body: Params, issuer: string): Promise<TokenResponse> {
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
  });
  const grants = new GrantRepository(env.DB);
  const ttl = lifetimes(env);
  const grantOf = (record: CodeRecord, id: string) => ({
    id,
    clientId: client.id,
    userId: record.userId,
    sid: record.sid,
    scope: record.scope,
    createdAt: issuedAt,
    expiresAt: issuedAt + ttl.accessToken,
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
  await grants.insert(grantOf(record, grantId));
  const claimsRequest = record.claims ? (JSON.parse(record.claims) as ClaimsRequest) : undefined;
  if (claimsRequest?.userinfo) await grants.setUserinfoClaims(grantId, JSON.stringify(claimsRequest.userinfo));

  const policy = keyPolicy(env);
  const accessToken = await signAccessToken(
    { issuer, subject: user.id, clientId: client.id, scope: record.scope, grantId, authTime: record.authTime, issuedAt, lifetime: ttl.accessToken },
    await signingKey(env, policy.defaultAlg),
  );
  const idToken = await signIdToken(
    {
      issuer,
      subject: user.id,
      clientId: client.id,
      authTime: record.authTime,
      sid: record.sid,
      amr: record.amr,
      nonce: record.nonce,
      accessToken,
      // OIDC Core §5.5: claims requested for the ID token, and the acr (§2).
      claims: { ...requestedUserClaims(user, claimsRequest?.id_token), ...(record.acr ? { acr: record.acr } : {}) },
      issuedAt,
      lifetime: ttl.idToken,
    },
    // OIDC Registration §2: the client's id_token_signed_response_alg, else the server default.
    await signingKey(env, client.idTokenAlg ?? policy.defaultAlg),
  );
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl.accessToken, id_token: idToken, scope: record.scope };
}

