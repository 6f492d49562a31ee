import { SignJWT } from 'jose';
import { isFapi2, type Client } from '../clients/model';
import type { Bindings } from '../env';
import { signingKey } from '../keys/keystore';
import type { KeyAlg } from '../keys/types';
import { RESPONSE_MODES, type AuthorizationResponse } from './response_mode';

/**
 * JARM (JWT Secured Authorization Response Mode for OAuth 2.0, final). A response JWT lives
 * 10 minutes (§2.1: "a short expiration time ... e.g. 10 minutes").
 */
export const JARM_LIFETIME = 600;

export type JarmClient = Pick<Client, 'id' | 'authorizationSignedResponseAlg' | 'profile' | 'idTokenAlg'>;

/**
 * JARM §3: authorization_signed_response_alg, RS256 when the client registered none. A FAPI 2.0
 * client that registered none gets its ID token algorithm (always PS256, ES256 or EdDSA for such a
 * client): FAPI 2.0 Message Signing §5.4 forbids RS256.
 */
export const jarmAlg = (client: JarmClient): KeyAlg => client.authorizationSignedResponseAlg ?? (isFapi2(client) ? client.idTokenAlg : null) ?? 'RS256';

/** The JARM audience and algorithm of a response in `mode`, or nothing for the plain modes. */
export const jarmTarget = (mode: AuthorizationResponse['mode'], client: JarmClient): AuthorizationResponse['jarm'] =>
  RESPONSE_MODES[mode].jwt ? { clientId: client.id, alg: jarmAlg(client) } : undefined;

/**
 * JARM §2.1 and §2.2: the response parameters (a success's code, state, iss and tokens, or an
 * error's error, error_description and state) as the claims of one JWT with iss (our issuer), aud
 * (the client_id) and exp, signed with our current key of the client's algorithm (with its kid, so
 * the client finds it in our JWKS). The encoded response then carries only `response`.
 */
export async function jarmEncode(env: Bindings, issuer: string, response: AuthorizationResponse, nowSeconds: number): Promise<AuthorizationResponse> {
  if (!response.jarm) return response;
  const key = await signingKey(env, response.jarm.alg);
  const claims: Record<string, string> = {};
  for (const [k, v] of Object.entries(response.params)) if (v !== undefined) claims[k] = v;
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(response.jarm.clientId)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + JARM_LIFETIME)
    .sign(key.key);
  return { redirectUri: response.redirectUri, mode: response.mode, params: { response: jwt } };
}
