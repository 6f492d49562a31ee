import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { derivedHmacKey, hmacBase64url } from '../crypto/derived_keys';
import { sha256Base64url, timingSafeEqual } from '../crypto/hash';
import { InvalidDpopProof, UseDpopNonce } from '../errors';

/**
 * DPoP proofs (RFC 9449): who holds the key a token is (or will be) bound to. Pure rules plus two
 * injected effects: the jti store (single use, shared by every isolate) and the nonce key.
 */

/** RFC 9449 §5.2 / FAPI 2.0: the asymmetric algorithms accepted in proofs. */
export const DPOP_SIGNING_ALGS = ['ES256', 'EdDSA', 'PS256', 'RS256'];
/** A proof's iat may be this old (seconds)... */
export const DPOP_MAX_AGE = 60;
/** ...or this far ahead of our clock (client clock skew). */
const DPOP_FUTURE_SKEW = 10;
/** Server nonces are derived per slot of this many seconds; the current and the previous slot are accepted. */
export const DPOP_NONCE_SLOT = 60;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** RFC 9449 §4.1: base64url thumbprint of SHA-256 (43 characters). */
export const JKT_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export type NonceAudience = 'as' | 'rs';

/**
 * RFC 9449 §8-§9: the server nonce of a time slot, HMAC-SHA-256 under a key derived from
 * KEY_ENCRYPTION_KEY, with separate labels for the authorization server (PAR, token) and the
 * resource server (userinfo). Any isolate computes and checks it without storage.
 */
export async function dpopNonce(kekSecret: string | undefined, audience: NonceAudience, at: number, slotsBack = 0): Promise<string> {
  const slot = Math.floor(at / DPOP_NONCE_SLOT) - slotsBack;
  return hmacBase64url(await derivedHmacKey(kekSecret, 'dpop-nonce'), `${audience}:${slot}`);
}

async function nonceIsCurrent(kekSecret: string | undefined, audience: NonceAudience, at: number, nonce: unknown): Promise<boolean> {
  if (typeof nonce !== 'string' || nonce.length > 64) return false;
  const [current, previous] = await Promise.all([dpopNonce(kekSecret, audience, at), dpopNonce(kekSecret, audience, at, 1)]);
  const [a, b] = await Promise.all([timingSafeEqual(nonce, current), timingSafeEqual(nonce, previous)]);
  return a || b;
}

/**
 * RFC 9449 §4.3 step 9 (with §6.2 of RFC 3986): compare scheme, authority and path only; URL
 * parsing lower-cases scheme and host, drops the default port and normalises dot segments and
 * percent-encoding of unreserved characters.
 */
export function normaliseHtu(value: string): string | null {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

export interface DpopCheck {
  method: string;
  /** The endpoint's URL built from the issuer (never request.url, which may be an internal host). */
  url: string;
  /** At a resource endpoint: the access token the proof must name in `ath` (RFC 9449 §4.3 step 10). */
  accessToken?: string;
  now: number;
  audience: NonceAudience;
  /** DPOP_NONCE=on: a current server nonce is required. */
  requireNonce: boolean;
  kekSecret: string | undefined;
  /** Records the jti for the key (single use across isolates); false if seen before. */
  claimJti: (jkt: string, jti: string, expiresAt: number) => Promise<boolean>;
}

export interface DpopProof {
  /** RFC 7638 thumbprint of the proof's public key. */
  jkt: string;
}

/**
 * RFC 9449 §4.3: checks one DPoP proof. Repeated DPoP headers are joined with ", " by the Fetch
 * API, and a compact JWS has no comma, so a comma means more than one proof: refused (§4.3 step 1).
 * Throws invalid_dpop_proof, or use_dpop_nonce (the caller adds the DPoP-Nonce header).
 */
export async function verifyDpopProof(proof: string, check: DpopCheck): Promise<DpopProof> {
  if (/[,\s]/.test(proof)) throw new InvalidDpopProof('exactly one DPoP proof is required');
  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw new InvalidDpopProof('the DPoP proof is not a JWS');
  }
  // §4.2: typ dpop+jwt (a media type: compared case-insensitively), an asymmetric alg, a public jwk.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') throw new InvalidDpopProof('the DPoP proof typ must be dpop+jwt');
  if (typeof header.alg !== 'string' || !DPOP_SIGNING_ALGS.includes(header.alg)) throw new InvalidDpopProof(`the DPoP proof alg must be one of ${DPOP_SIGNING_ALGS.join(', ')}`);
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string') throw new InvalidDpopProof('the DPoP proof header needs the public key as jwk');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new InvalidDpopProof('the DPoP proof jwk must be a public key');
  let payload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { algorithms: DPOP_SIGNING_ALGS, currentDate: new Date(check.now * 1000), clockTolerance: DPOP_FUTURE_SKEW }));
  } catch {
    throw new InvalidDpopProof('the DPoP proof signature or claims are invalid');
  }
  const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw new InvalidDpopProof('the DPoP proof needs a jti');
  if (htm !== check.method) throw new InvalidDpopProof('the DPoP proof htm does not match the request method');
  if (typeof htu !== 'string' || normaliseHtu(htu) === null || normaliseHtu(htu) !== normaliseHtu(check.url)) throw new InvalidDpopProof('the DPoP proof htu does not match the request URL');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidDpopProof('the DPoP proof needs an iat');
  if (iat < check.now - DPOP_MAX_AGE || iat > check.now + DPOP_FUTURE_SKEW) throw new InvalidDpopProof('the DPoP proof iat is outside the accepted window');
  if (check.accessToken !== undefined) {
    // §4.3 step 10 / §7.1: ath = base64url(SHA-256(access token)).
    if (typeof ath !== 'string' || !(await timingSafeEqual(ath, await sha256Base64url(check.accessToken)))) throw new InvalidDpopProof('the DPoP proof ath does not match the access token');
  }
  // §8: the nonce comes before the jti is spent, so a nonce retry is never taken for a replay.
  if (check.requireNonce && !(await nonceIsCurrent(check.kekSecret, check.audience, check.now, nonce))) throw new UseDpopNonce('the DPoP proof must carry the current server nonce');
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  // §11.1: a proof is accepted once within its window, across isolates.
  if (!(await check.claimJti(jkt, jti, Math.ceil(iat) + DPOP_MAX_AGE + DPOP_FUTURE_SKEW))) throw new InvalidDpopProof('the DPoP proof has already been used');
  return { jkt };
}

