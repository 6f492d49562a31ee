import { SignJWT } from 'jose';
import { randomToken } from '../crypto/random';
import type { SigningKey } from '../keys/keystore';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token is valid for two minutes: each delivery attempt signs a fresh one. */
export const LOGOUT_TOKEN_LIFETIME = 120;

export interface LogoutTokenInput {
  issuer: string;
  clientId: string;
  sub: string;
  sid?: string;
  issuedAt: number;
}

/**
 * Back-Channel Logout 1.0 §2.4: iss, aud, iat, exp, jti, events with exactly the back-channel
 * logout member (an empty object), sub and/or sid, and never a nonce (§2.4: it MUST NOT be there,
 * so a logout token can never be mistaken for an ID token). §2.4 also recommends `typ: logout+jwt`.
 */
export async function signLogoutToken(input: LogoutTokenInput, key: SigningKey): Promise<string> {
  return new SignJWT({
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...(input.sid ? { sid: input.sid } : {}),
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'logout+jwt' })
    .setIssuer(input.issuer)
    .setSubject(input.sub)
    .setAudience(input.clientId)
    .setIssuedAt(input.issuedAt)
    .setExpirationTime(input.issuedAt + LOGOUT_TOKEN_LIFETIME)
    .setJti(randomToken(16))
    .sign(key.key);
}
