import { SECRET_ASSERTION_ALGS as SECRET_ALGS, SIGNING_ALGS } from '../algorithms';
import { decodeJwt, jwtVerify, errors as joseErrors } from 'jose';
import type { Bindings } from '../env';
import { InvalidClient } from '../errors';
import { settings, type Settings } from '../settings';
import { keyEncryptionKeys, openPrivateKeyWithAny } from '../keys/encryption';
import type { Client } from '../storage/clients';
import { FAPI2_ALGS, isFapi2 } from '../clients/model';
import { clientKeyResolver } from './client_keys';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_SIGNING_ALGS: string[] = [...SIGNING_ALGS];
export const SECRET_ASSERTION_ALGS: string[] = [...SECRET_ALGS];
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

/**
 * CLIENT_ASSERTION_AUDIENCE (src/settings.ts): which `aud` values a client assertion may carry.
 * - `issuer-or-token-endpoint` (default): the issuer identifier or the token endpoint URL;
 * - `issuer`: the issuer identifier alone (what FAPI 2.0 Security Profile §5.3.2.1 requires).
 */
export type AssertionAudienceSetting = Settings['clientAssertionAudience'];

export const assertionAudienceSetting = (env: Bindings): AssertionAudienceSetting => settings(env).clientAssertionAudience;

/**
 * The audiences a client assertion may name, at every endpoint that authenticates clients. After
 * the 2025 audience-injection disclosure (an assertion made for another server's endpoint, or an
 * array naming several parties, replayed here), only the issuer identifier and the token endpoint
 * URL identify this OP; never the URL of another endpoint (introspection, revocation, PAR...).
 */
export function assertionAudiences(env: Bindings, issuer: string): string[] {
  return assertionAudienceSetting(env) === 'issuer' ? [issuer] : [issuer, `${issuer}/token`];
}

export interface AssertionContext {
  /** The accepted `aud` values (see assertionAudiences); aud must be a single string among them. */
  audiences: string[];
  /** The issuer identifier: decides whether a client's jwks_uri may be on loopback (development only). */
  issuer: string;
  now: number;
  /** Records the jti, returning false if it was seen before (single use across isolates). */
  claimJti: (jti: string, expiresAt: number) => Promise<boolean>;
  kekSecret: string | undefined;
  /** KEY_ENCRYPTION_KEY_PREVIOUS during a rotation: a secret sealed under it still opens. */
  previousKekSecret?: string;
}

/**
 * RFC 7523 §3 and OIDC Core §9: verifies a private_key_jwt or client_secret_jwt assertion. The
 * algorithm family must match the registered method, aud must be exactly the issuer or the token
 * endpoint (see assertionAudiences), exp is required and short,
 * and the jti is accepted once.
 */
export async function verifyClientAssertion(client: Client, assertion: string, ctx: AssertionContext): Promise<void> {
  const bySecret = client.tokenEndpointAuthMethod === 'client_secret_jwt';
  // Registration 1.0 §2: a registered token_endpoint_auth_signing_alg is the only algorithm accepted.
  const registeredAlg = client.tokenEndpointAuthSigningAlg;
  const options = {
    algorithms: typeof registeredAlg === 'string' ? [registeredAlg] : bySecret ? SECRET_ASSERTION_ALGS : isFapi2(client) ? FAPI2_ALGS : ASSERTION_SIGNING_ALGS,
    issuer: client.id,
    subject: client.id,
    // aud is checked below: jose would accept an array that merely contains one of ours.
    requiredClaims: ['exp', 'jti', 'aud'],
    currentDate: new Date(ctx.now * 1000),
    clockTolerance: CLOCK_SKEW,
  };
  let payload;
  try {
    if (bySecret) {
      if (!client.secretSealed) throw new InvalidClient('the client has no secret for client_secret_jwt');
      const { jwk } = await openPrivateKeyWithAny(await keyEncryptionKeys(ctx.kekSecret, ctx.previousKekSecret), `client-secret:${client.id}`, client.secretSealed);
      ({ payload } = await jwtVerify(assertion, new TextEncoder().encode(jwk.k as string), options));
    } else {
      ({ payload } = await jwtVerify(assertion, clientKeyResolver(client, ctx.issuer), options));
    }
  } catch (err) {
    if (err instanceof InvalidClient) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new InvalidClient('client_assertion has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidClient(`client_assertion ${err.claim} claim is invalid`);
    throw new InvalidClient('client_assertion signature or format is invalid');
  }
  // RFC 7523 §3 / OIDC Core §9: aud identifies this OP. A single string, exactly one of ours: an
  // array is refused even when it contains the issuer (audience injection, 2025).
  if (typeof payload.aud !== 'string' || !ctx.audiences.includes(payload.aud)) throw new InvalidClient('client_assertion aud claim is invalid');
  const exp = payload.exp!;
  if (exp - ctx.now > MAX_ASSERTION_LIFETIME) throw new InvalidClient(`client_assertion must expire within ${MAX_ASSERTION_LIFETIME} seconds`);
  if (typeof payload.jti !== 'string' || payload.jti.length > 256) throw new InvalidClient('client_assertion jti is invalid');
  if (!(await ctx.claimJti(payload.jti, exp + CLOCK_SKEW))) throw new InvalidClient('client_assertion has already been used');
}
