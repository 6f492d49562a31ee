import { jwtVerify, decodeProtectedHeader, UnsecuredJWT, type JWTPayload } from 'jose';
import { isFapi2 } from '../clients/model';
import { clientKeyResolver } from '../authn/client_keys';
import { InvalidRequestObject } from '../errors';
import type { Params } from '../http/params';
import type { Client } from '../storage/clients';

/** RFC 9101 §10.4 / FAPI 2.0: asymmetric signatures; `none` only by opt-in (UNSIGNED_REQUEST_OBJECT_ALG). */
export const REQUEST_OBJECT_SIGNING_ALGS = ['PS256', 'ES256', 'EdDSA', 'RS256'];
/**
 * OIDC Core §6.1 / RFC 9101 §10.2: an unsigned request object (`alg` none) proves nothing about its
 * sender. Accepted only when the deployment allows it (REQUEST_OBJECT_NONE=on) and the client
 * registered request_object_signing_alg none, never for a fapi2 client (FAPI 2.0 Message Signing).
 */
export const UNSIGNED_REQUEST_OBJECT_ALG = 'none';
/** FAPI 2.0 Message Signing §5.3.1: at most 60 minutes between nbf and exp (and exp within 60 minutes). */
const MAX_LIFETIME = 3600;
const CLOCK_SKEW = 60;

/**
 * RFC 9101 §5-§6 and OIDC Core §6.1/§6.3: the parameters of a request object passed by value,
 * merged over the outer ones (the object's win). It must be a JWS by one of the client's registered
 * keys, with the client's registered algorithm if any; iss = client_id, aud = the issuer (a string,
 * or an array naming it), exp within 60 minutes (nbf, when present, at most 60 minutes before exp);
 * client_id and response_type inside must match the outer ones when both are given; a request
 * object cannot itself carry `request` or `request_uri`. Any defect is invalid_request_object.
 * `allowNone`: the deployment accepts unsigned objects (REQUEST_OBJECT_NONE=on).
 */
export async function requestObjectParams(jwt: string, outer: Params, client: Client, issuer: string, now: number, allowNone = false): Promise<Params> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    throw new InvalidRequestObject('the request object is not a JWS');
  }
  const unsigned = alg === UNSIGNED_REQUEST_OBJECT_ALG && client.requestObjectSigningAlg === UNSIGNED_REQUEST_OBJECT_ALG && allowNone && !isFapi2(client);
  const allowed = client.requestObjectSigningAlg && client.requestObjectSigningAlg !== UNSIGNED_REQUEST_OBJECT_ALG ? [client.requestObjectSigningAlg] : REQUEST_OBJECT_SIGNING_ALGS;
  if (!unsigned && (typeof alg !== 'string' || !allowed.includes(alg))) throw new InvalidRequestObject(`the request object must be signed with ${allowed.join(', ')}`);
  const claimsOptions = { issuer: client.id, audience: issuer, requiredClaims: ['exp'], currentDate: new Date(now * 1000), clockTolerance: CLOCK_SKEW };
  let payload: JWTPayload;
  try {
    if (unsigned) ({ payload } = UnsecuredJWT.decode(jwt, claimsOptions));
    else ({ payload } = await jwtVerify(jwt, clientKeyResolver(client, issuer), { ...claimsOptions, algorithms: allowed }));
  } catch {
    throw new InvalidRequestObject('the request object signature, iss, aud, exp or nbf is invalid');
  }
  const exp = payload.exp!;
  if (exp - now > MAX_LIFETIME || (payload.nbf !== undefined && exp - payload.nbf > MAX_LIFETIME)) throw new InvalidRequestObject(`the request object must not live longer than ${MAX_LIFETIME} seconds`);
  const merged: Params = new Map([...outer].filter(([k]) => k !== 'request'));
  for (const [name, value] of Object.entries(payload)) {
    if (['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub'].includes(name)) continue;
    if (name === 'request' || name === 'request_uri') throw new InvalidRequestObject(`a request object must not contain ${name}`);
    if (value === null || value === undefined) continue;
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
    // OIDC Core §6.1: client_id and response_type inside must be the ones outside.
    if ((name === 'client_id' || name === 'response_type') && outer.has(name) && outer.get(name) !== text) throw new InvalidRequestObject(`${name} in the request object does not match the request`);
    merged.set(name, text);
  }
  return merged;
}
