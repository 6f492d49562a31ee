import { jwtVerify, errors as joseErrors } from 'jose';
import { signCompactJwt } from './compact_jws';
import { randomToken } from '../crypto/random';
import { InvalidToken } from '../errors';
import type { SigningKey } from '../keys/keystore';

/**
 * Access tokens are RFC 9068 JWTs (`typ: at+jwt`), so resource servers can validate them offline
 * against our JWKS. Our own endpoints additionally check the grant (`gid`) for revocation.
 */
export interface AccessTokenInput {
  issuer: string;
  /** The user, or the client itself for client_credentials. */
  subject: string;
  clientId: string;
  scope: string;
  /** The grant (token family) for user tokens; client_credentials tokens have none. */
  grantId?: string;
  authTime?: number;
  issuedAt: number;
  lifetime: number;
  /** A caller-chosen jti (a refresh retried within the reuse interval must get the same token). */
  jti?: string;
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to. */
  dpopJkt?: string;
  /** RFC 8707 / RFC 9068 §3: the API's identifier, for a token asked for with `resource`; else the defaults below. */
  audience?: string;
}

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope: string;
  gid?: string;
  jti: string;
  exp: number;
  iat: number;
  auth_time?: number;
  /** RFC 9449 §6.1 / RFC 7800: the confirmation of a DPoP-bound token. */
  cnf?: { jkt?: string };
}

/**
 * The audience of our access tokens (RFC 9068 §3 requires one): user tokens are for this OP's
 * userinfo endpoint, client_credentials tokens for the issuer's APIs in general.
 */
export const accessTokenAudience = (issuer: string) => `${issuer}/userinfo`;

export async function signAccessToken(input: AccessTokenInput, key: SigningKey): Promise<string> {
  // The claims in the order SignJWT would write them (its own claims first, then iss, sub, aud, jti, iat, exp).
  const claims: Record<string, unknown> = { client_id: input.clientId, scope: input.scope };
  if (input.authTime !== undefined) claims.auth_time = input.authTime;
  if (input.grantId !== undefined) claims.gid = input.grantId;
  if (input.dpopJkt !== undefined) claims.cnf = { jkt: input.dpopJkt };
  claims.iss = input.issuer;
  claims.sub = input.subject;
  claims.aud = input.audience ?? (input.grantId !== undefined ? accessTokenAudience(input.issuer) : input.issuer);
  claims.jti = input.jti ?? randomToken(16);
  claims.iat = input.issuedAt;
  claims.exp = input.issuedAt + input.lifetime;
  // RFC 9068 §2.1: typ at+jwt. Signed without jose's builder (src/tokens/compact_jws.ts), the hot path of every token response.
  return signCompactJwt(key, 'at+jwt', claims);
}

/**
 * RFC 9068 §4: checks typ, signature, issuer, audience and expiry. Throws InvalidToken.
 * `audience` defaults to the userinfo audience (null: any, for recognising tokens of every audience); `ignoreExpiry` serves revocation, which must
 * recognise a token even after it expired.
 */
export async function verifyAccessToken(
  token: string,
  issuer: string,
  keyFor: (kid: string | undefined, alg: string | undefined) => Promise<CryptoKey | undefined>,
  opts: { audience?: string | string[] | null; ignoreExpiry?: boolean } = {},
): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await keyFor(header.kid, header.alg);
        if (!key) throw new InvalidToken('access token was not signed by a current key');
        return key;
      },
      {
        issuer,
        // null: any audience (token recognition: every at+jwt we signed, APIs' included).
        ...(opts.audience === null ? {} : { audience: opts.audience ?? accessTokenAudience(issuer) }),
        typ: 'at+jwt',
        requiredClaims: ['sub', 'client_id', 'scope', 'exp', 'iat', 'jti'],
        ...(opts.ignoreExpiry ? { currentDate: new Date(0) } : {}),
      },
    );
    return payload as unknown as AccessTokenClaims;
  } catch (err) {
    if (err instanceof InvalidToken) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new InvalidToken('access token has expired');
    throw new InvalidToken('access token is invalid');
  }
}
