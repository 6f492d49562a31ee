import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { randomToken } from '../crypto/random';
import { InvalidToken } from '../errors';
import type { SigningKey } from '../keys/keystore';

/**
 * Access tokens are RFC 9068 JWTs (`typ: at+jwt`), so resource servers can validate them offline
 * against our JWKS. Our own endpoints additionally check the grant (`gid`) for revocation.
 */
export interface AccessTokenInput {
  issuer: string;
  subject: string;
  clientId: string;
  scope: string;
  grantId: string;
  authTime: number;
  issuedAt: number;
  lifetime: number;
}

export interface AccessTokenClaims {
  sub: string;
  client_id: string;
  scope: string;
  gid: string;
  jti: string;
  exp: number;
  iat: number;
  auth_time?: number;
}

/** The audience of our access tokens: this OP's userinfo endpoint, its only protected resource. */
export const accessTokenAudience = (issuer: string) => `${issuer}/userinfo`;

export async function signAccessToken(input: AccessTokenInput, key: SigningKey): Promise<string> {
  return new SignJWT({
    client_id: input.clientId,
    scope: input.scope,
    auth_time: input.authTime,
    gid: input.grantId,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(input.issuer)
    .setSubject(input.subject)
    .setAudience(accessTokenAudience(input.issuer))
    .setJti(randomToken(16))
    .setIssuedAt(input.issuedAt)
    .setExpirationTime(input.issuedAt + input.lifetime)
    .sign(key.key);
}

/** RFC 9068 §4: checks typ, signature, issuer, audience and expiry. Throws InvalidToken. */
export async function verifyAccessToken(
  token: string,
  issuer: string,
  keyFor: (kid: string | undefined, alg: string | undefined) => Promise<CryptoKey | undefined>,
): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await keyFor(header.kid, header.alg);
        if (!key) throw new InvalidToken('access token was not signed by a current key');
        return key;
      },
      { issuer, audience: accessTokenAudience(issuer), typ: 'at+jwt', requiredClaims: ['sub', 'client_id', 'scope', 'gid', 'exp', 'iat', 'jti'] },
    );
    return payload as unknown as AccessTokenClaims;
  } catch (err) {
    if (err instanceof InvalidToken) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new InvalidToken('access token has expired');
    throw new InvalidToken('access token is invalid');
  }
}
