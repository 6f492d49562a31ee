import { SignJWT } from 'jose';
import type { SigningKey } from '../keys/keystore';

/**
 * OIDC Core §5.3.2: a signed UserInfo response is a JWT of the claims that also carries iss and
 * aud (the client), signed with the algorithm the client registered (userinfo_signed_response_alg).
 */
export function signUserinfo(claims: Record<string, unknown>, issuer: string, clientId: string, issuedAt: number, key: SigningKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).setIssuer(issuer).setAudience(clientId).setIssuedAt(issuedAt).sign(key.key);
}
