import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { OutboundError } from '../http/outbound';
import type { Upstream } from '../storage/upstreams';
import { boundedFetch, discover, UpstreamFailure } from './client';

/**
 * A logout token from an upstream provider (OpenID Connect Back-Channel Logout 1.0 §2.6), checked
 * against that upstream's JWKS: signed (never `none`), `iss` the upstream, `aud` our client_id
 * there, `iat` and `exp` present and `exp` not passed, a `jti`, the back-channel logout event,
 * `sub` or `sid`, and no `nonce`.
 */

export const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Clock skew tolerated on iat/exp (seconds). */
const SKEW = 60;
/** A logout token older than this is refused, even with a later exp. */
const MAX_AGE = 600;

const jwksCache = new Map<string, { jwks: JSONWebKeySet; at: number }>();

async function fetchJwks(u: Upstream, ourIssuer: string): Promise<JSONWebKeySet> {
  const { as } = await discover(u, ourIssuer);
  if (!as.jwks_uri) throw new UpstreamFailure('invalid', 'the upstream advertises no jwks_uri');
  let res: Response;
  try {
    res = await boundedFetch(as.jwks_uri, { headers: { Accept: 'application/json' } }, ourIssuer, `jwks_uri of upstream ${u.slug}`);
  } catch (err) {
    if (err instanceof OutboundError) throw new UpstreamFailure('unavailable', `the upstream's JWKS ${err.message}`);
    throw err;
  }
  if (!res.ok) throw new UpstreamFailure('unavailable', `the upstream's JWKS answered ${res.status}`);
  const jwks = (await res.json().catch(() => null)) as JSONWebKeySet | null;
  if (!jwks || !Array.isArray(jwks.keys)) throw new UpstreamFailure('invalid', "the upstream's JWKS is not a key set");
  jwksCache.set(u.slug, { jwks, at: Date.now() });
  return jwks;
}

export interface LogoutTokenClaims {
  sub?: string;
  sid?: string;
  jti: string;
  exp: number;
}

/** The checked claims of a logout token, or an UpstreamFailure saying why it is refused. */
export async function verifyLogoutToken(u: Upstream, ourIssuer: string, token: string): Promise<LogoutTokenClaims> {
  const verify = async (jwks: JSONWebKeySet) =>
    jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: u.issuer,
      audience: u.clientId,
      clockTolerance: SKEW,
      maxTokenAge: MAX_AGE,
      requiredClaims: ['iat', 'exp', 'jti', 'events'],
    });
  let payload: JWTPayload;
  try {
    const cached = jwksCache.get(u.slug);
    try {
      payload = (await verify(cached?.jwks ?? (await fetchJwks(u, ourIssuer)))).payload;
    } catch (err) {
      // An unknown kid (the upstream rotated its keys): fetch the key set again, once.
      if (!cached || !(err instanceof errors.JWKSNoMatchingKey)) throw err;
      payload = (await verify(await fetchJwks(u, ourIssuer))).payload;
    }
  } catch (err) {
    if (err instanceof UpstreamFailure) throw err;
    throw new UpstreamFailure('invalid', `the logout token is not valid: ${err instanceof Error ? err.message : String(err)}`);
  }
  const events = payload.events as Record<string, unknown> | undefined;
  if (typeof events !== 'object' || events === null || typeof events[BACKCHANNEL_EVENT] !== 'object') {
    throw new UpstreamFailure('invalid', 'the logout token has no back-channel logout event');
  }
  if (payload.nonce !== undefined) throw new UpstreamFailure('invalid', 'a logout token must not carry a nonce');
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
  const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
  if (sub === undefined && sid === undefined) throw new UpstreamFailure('invalid', 'the logout token names neither sub nor sid');
  return { sub, sid, jti: String(payload.jti), exp: payload.exp! };
}
