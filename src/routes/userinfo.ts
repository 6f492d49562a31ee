import { waitUntil } from '../http/cached_document';
import { Hono, type Context } from 'hono';
import { catalog } from '../claims/catalog';
import { releasedCustomClaims } from '../claims/release';
import { now } from '../config';
import type { AppEnv } from '../env';
import { InsufficientScope, InvalidDpopProof, InvalidRequest, InvalidToken, OAuthError, UseDpopNonce, sanitizeDescription } from '../errors';
import { DPOP_SIGNING_ALGS } from '../authn/dpop';
import { dpopProofOf, setDpopNonce } from '../authn/dpop_request';
import { formParams } from '../http/params';
import { jsonError, methodNotAllowed } from '../http/json_error';
import { signingKey, verificationKey } from '../keys/keystore';
import type { KeyAlg } from '../keys/types';
import { keepBookmarkFresh, readFromReplica } from '../storage/replica';
import { TokenStatus } from '../tokens/token_status';
import { verifyAccessToken } from '../tokens/access_token';
import { claimsForScopes } from '../tokens/claims';
import { requestedUserClaims, type ClaimRequests } from '../tokens/claims_request';
import { subjectFor } from '../tokens/subject';
import { signUserinfo } from '../tokens/userinfo_jwt';

/** OIDC Core §5.3: the UserInfo endpoint, GET and POST, with RFC 6750 bearer tokens. */
export const userinfo = new Hono<AppEnv>();

/**
 * RFC 6750 §2: the token comes in the Authorization header or, for POST, as a form body parameter;
 * more than one method is an invalid_request (§3.1). The query-string method is not offered.
 */
async function bearerToken(c: Context<AppEnv>): Promise<{ token: string; dpop: boolean } | undefined> {
  const header = c.req.header('Authorization');
  // RFC 9449 §7.1: a DPoP-bound token comes with the DPoP scheme (and a proof in the DPoP header).
  if (header !== undefined && /^dpop(\s|$)/i.test(header)) {
    const m = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m) throw new InvalidRequest('malformed DPoP authorization header');
    return { token: m[1]!, dpop: true };
  }
  let fromBody: string | undefined;
  if (c.req.method === 'POST' && (c.req.header('Content-Type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    fromBody = (await formParams(c.req.raw)).get('access_token');
  }
  // RFC 6750 §3.1: another scheme is a request without (usable) authentication, answered like one.
  if (header !== undefined && /^bearer(\s|$)/i.test(header)) {
    const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m) throw new InvalidRequest('malformed Bearer authorization header');
    if (fromBody !== undefined) throw new InvalidRequest('the access token must be sent by only one method');
    return { token: m[1]!, dpop: false };
  }
  return fromBody === undefined ? undefined : { token: fromBody, dpop: false };
}

/** RFC 6750 §3: 401s carry a Bearer challenge; a request with no token gets one without an error code. */
function challenge(c: Context<AppEnv>, err?: OAuthError, dpop = false): Response {
  const parts = dpop ? [`DPoP realm="userinfo", algs="${DPOP_SIGNING_ALGS.join(' ')}"`] : ['Bearer realm="userinfo"'];
  if (err) parts.push(`error="${err.error}"`, `error_description="${sanitizeDescription(err.description)}"`);
  c.header('WWW-Authenticate', parts.join(', '));
  if (!err) {
    c.header('Cache-Control', 'no-store');
    return c.json({ error: 'invalid_token', error_description: 'an access token is required' }, 401);
  }
  return jsonError(c, err);
}

userinfo.on(['GET', 'POST'], '/', async (c) => {
  let presented: { token: string; dpop: boolean } | undefined;
  try {
    presented = await bearerToken(c);
    if (!presented) return challenge(c);
    const { token } = presented;
    const claims = await verifyAccessToken(token, c.var.issuer, (kid, alg) => verificationKey(c.env, kid, alg));
    if (!claims.gid) throw new InvalidToken('access token was not issued for a user');
    // RFC 9449 §7: a bound token needs the DPoP scheme and a proof by its key (with ath); an unbound
    // one is a bearer token. The proof is checked alongside the token status read.
    const bound = claims.cnf?.jkt;
    if (bound && !presented.dpop) throw new InvalidToken('this access token is DPoP-bound: use the DPoP authorization scheme with a DPoP proof');
    if (!bound && presented.dpop) throw new InvalidToken('this access token is not DPoP-bound: use the Bearer scheme');
    if (bound && c.req.header('DPoP') === undefined) throw new InvalidDpopProof('a DPoP proof is required');
    // Issue 10: from a D1 read replica at most REPLICA_STALENESS_SECONDS behind the primary
    // (src/storage/replica.ts); a miss is asked again of the primary (a grant written a moment ago).
    keepBookmarkFresh(c.env.DB, (p) => waitUntil(c, p));
    const gid = claims.gid;
    const [found, proof] = await Promise.all([
      (async () =>
        (await readFromReplica(c.env.DB, (session) => new TokenStatus(session).liveUserOfGrant(gid, claims.jti))) ??
        (await new TokenStatus(c.env.DB).liveUserOfGrant(gid, claims.jti)))(),
      bound ? dpopProofOf(c, '/userinfo', 'rs', token) : undefined,
    ]);
    if (bound && proof?.jkt !== bound) throw new InvalidDpopProof('the DPoP proof is not signed by the key the access token is bound to');
    if (bound) await setDpopNonce(c, 'rs');
    if (!found) throw new InvalidToken('access token has been revoked, or its user no longer exists');
    const { user } = found;
    // OIDC Core §8: the sub this client sees (pairwise or public), which the token must carry.
    const sub = await subjectFor(c.env, found.client, user.id);
    if (sub !== claims.sub || found.client.id !== claims.client_id) throw new InvalidToken('access token does not match its grant');
    const scopes = claims.scope.split(' ');
    // RFC 6750 §3.1: a plain OAuth 2.0 token (no openid, issue 13) lacks the scope userinfo needs.
    if (!scopes.includes('openid')) throw new InsufficientScope('userinfo needs an access token with the openid scope');
    c.header('Cache-Control', 'no-store');
    // OIDC Core §5.5: claims requested one by one for userinfo come on top of the scopes' claims.
    const requested = found.userinfoClaims ? requestedUserClaims(user, JSON.parse(found.userinfoClaims) as ClaimRequests) : {};
    const released = {
      ...claimsForScopes(user, scopes),
      ...requested,
      ...releasedCustomClaims(await catalog(c.env), user.attributes ?? {}, scopes, found.client.customClaims),
      sub,
    };
    // OIDC Core §5.3.2 / Registration 1.0 §2: a client that registered userinfo_signed_response_alg gets a JWT.
    const alg = found.client.userinfoAlg as KeyAlg | null;
    if (alg) return c.body(await signUserinfo(released, c.var.issuer, found.client.id, now(), await signingKey(c.env, alg)), 200, { 'Content-Type': 'application/jwt' });
    return c.json(released);
  } catch (err) {
    // RFC 9449 §7.1 and §9: proof errors (and a nonce to use) are a 401 DPoP challenge.
    if (err instanceof UseDpopNonce || err instanceof InvalidDpopProof) {
      if (err instanceof UseDpopNonce) await setDpopNonce(c, 'rs');
      return challenge(c, new OAuthError(err.error, err.description, 401), true);
    }
    if (err instanceof InvalidToken) return challenge(c, err, presented?.dpop ?? false);
    if (err instanceof OAuthError) {
      c.header('WWW-Authenticate', `Bearer realm="userinfo", error="${err.error}"${err instanceof InsufficientScope ? ', scope="openid"' : ''}`);
      return jsonError(c, err);
    }
    throw err;
  }
});

userinfo.all('/', (c) => methodNotAllowed(c, 'GET, POST'));
