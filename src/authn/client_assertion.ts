import { decodeJwt, jwtVerify, errors as joseErrors } from 'jose';
import { InvalidClient } from '../errors';
import { keyEncryptionKey, openPrivateKey } from '../keys/encryption';
import type { Client } from '../storage/clients';
import { clientKeyResolver } from './client_keys';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
export const SECRET_ASSERTION_ALGS = ['HS256'];
/** Assertions must be short-lived: exp at most this far ahead. */
const MAX_ASSERTION_LIFETIME = 300;
const CLOCK_SKEW = 60;

/** The client id an assertion claims to come from (RFC 7523 §3: iss and sub are the client_id). */
export function assertionSubject(assertion: string): string {
  try {
    const claims = decodeJwt(assertion);
    if (typeof claims.sub !== 'string' || claims.iss !== claims.sub) throw new Error('iss/sub');
    return claims.sub;
  } catch {
    throw new InvalidClient('client_assertion is not a JWT whose iss and sub are the client_id');
  }
}

export interface AssertionContext {
  issuer: string;
  /** The URL of the endpoint being called; RFC 7523 §3 lets aud be it or the issuer. */
  endpoint: string;
  now: number;
  /** Records the jti, returning false if it was seen before (single use across isolates). */
  claimJti: (jti: string, expiresAt: number) => Promise<boolean>;
  kekSecret: string | undefined;
}

/**
 * RFC 7523 §3 and OIDC Core §9: verifies a private_key_jwt or client_secret_jwt assertion. The
 * algorithm family must match the registered method, aud must name us, exp is required and short,
 * and the jti is accepted once.
 */
export async function verifyClientAssertion(client: Client, assertion: string, ctx: AssertionContext): Promise<void> {
  const bySecret = client.tokenEndpointAuthMethod === 'client_secret_jwt';
  // Registration 1.0 §2: a registered token_endpoint_auth_signing_alg is the only algorithm accepted.
  const registeredAlg = client.tokenEndpointAuthSigningAlg;
  const options = {
    algorithms: typeof registeredAlg === 'string' ? [registeredAlg] : bySecret ? SECRET_ASSERTION_ALGS : ASSERTION_SIGNING_ALGS,
    issuer: client.id,
    subject: client.id,
    // RFC 7523 §3 / OIDC Core §9: the issuer, or the token endpoint URL, identify us; so does the
    // endpoint actually called (revocation, introspection).
    audience: [...new Set([ctx.issuer, `${ctx.issuer}/token`, ctx.endpoint])],
    requiredClaims: ['exp', 'jti'],
    currentDate: new Date(ctx.now * 1000),
    clockTolerance: CLOCK_SKEW,
  };
  let payload;
  try {
    if (bySecret) {
      if (!client.secretSealed) throw new InvalidClient('the client has no secret for client_secret_jwt');
      const jwk = await openPrivateKey(await keyEncryptionKey(ctx.kekSecret), `client-secret:${client.id}`, client.secretSealed);
      ({ payload } = await jwtVerify(assertion, new TextEncoder().encode(jwk.k as string), options));
    } else {
      ({ payload } = await jwtVerify(assertion, clientKeyResolver(client), options));
    }
  } catch (err) {
    if (err instanceof InvalidClient) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new InvalidClient('client_assertion has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidClient(`client_assertion ${err.claim} claim is invalid`);
    throw new InvalidClient('client_assertion signature or format is invalid');
  }
  const exp = payload.exp!;
  if (exp - ctx.now > MAX_ASSERTION_LIFETIME) throw new InvalidClient(`client_assertion must expire within ${MAX_ASSERTION_LIFETIME} seconds`);
  if (typeof payload.jti !== 'string' || payload.jti.length > 256) throw new InvalidClient('client_assertion jti is invalid');
  if (!(await ctx.claimJti(payload.jti, exp + CLOCK_SKEW))) throw new InvalidClient('client_assertion has already been used');
}
