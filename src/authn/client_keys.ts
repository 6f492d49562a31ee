import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { InvalidClient } from '../errors';
import { readTextLimited } from '../http/body';
import { guardedFetch, OutboundError } from '../http/outbound';
import type { Client } from '../storage/clients';

const FETCH_TIMEOUT_MS = 5000;
const MAX_JWKS_BYTES = 64 * 1024;
const CACHE_MS = 5 * 60 * 1000;
/** An unknown kid may trigger a refetch (the client rotated its keys), but not more often than this. */
const REFETCH_COOLDOWN_MS = 60 * 1000;

const remote = new Map<string, { jwks: JSONWebKeySet; fetchedAt: number }>();

async function fetchJwks(uri: string, issuer: string, clientId: string): Promise<JSONWebKeySet> {
  const what = `jwks_uri of client ${clientId}`;
  let res: Response;
  try {
    res = await guardedFetch(uri, { headers: { Accept: 'application/json, application/jwk-set+json' } }, { issuer, timeoutMs: FETCH_TIMEOUT_MS, what });
  } catch (err) {
    if (err instanceof OutboundError) throw new InvalidClient(`the client's jwks_uri ${err.message}`);
    throw err;
  }
  // The upstream's status and body are the RP's business: logged, never echoed to the caller.
  if (res.status !== 200) {
    await res.body?.cancel();
    console.warn(`${what} answered HTTP ${res.status}`);
    throw new InvalidClient("the client's jwks_uri did not return its JWK Set");
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_JWKS_BYTES) {
    await res.body?.cancel();
    throw new InvalidClient('the client JWK Set is too large');
  }
  const text = await readTextLimited(res.body, MAX_JWKS_BYTES);
  if (text === 'too-large') throw new InvalidClient('the client JWK Set is too large');
  if (text === 'not-utf8') throw new InvalidClient('the client jwks_uri did not return a JWK Set');
  try {
    const jwks = JSON.parse(text) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error('no keys');
    return jwks;
  } catch {
    throw new InvalidClient('the client jwks_uri did not return a JWK Set');
  }
}

async function remoteJwks(uri: string, forceRefresh: boolean, issuer: string, clientId: string): Promise<JSONWebKeySet> {
  const cached = remote.get(uri);
  const age = cached ? Date.now() - cached.fetchedAt : Infinity;
  if (cached && age < CACHE_MS && !(forceRefresh && age > REFETCH_COOLDOWN_MS)) return cached.jwks;
  const jwks = await fetchJwks(uri, issuer, clientId);
  remote.set(uri, { jwks, fetchedAt: Date.now() });
  return jwks;
}

/**
 * The key resolver for a client's private_key_jwt assertions: its registered `jwks`, or its
 * `jwks_uri` fetched with a timeout, a size limit and a cache (refetched once on an unknown kid),
 * only from a public https address (src/http/outbound.ts; loopback too when `issuer` is a development
 * one). Any failure is invalid_client, never a server error.
 */
export function clientKeyResolver(client: Client, issuer: string): JWTVerifyGetKey {
  if (client.jwks) return createLocalJWKSet(client.jwks);
  const uri = client.jwksUri;
  if (!uri) return () => Promise.reject(new InvalidClient('the client has no registered keys'));
  return async (header, token) => {
    try {
      return await createLocalJWKSet(await remoteJwks(uri, false, issuer, client.id))(header, token);
    } catch (err) {
      // A failed fetch is not retried at once; an unknown kid may be a rotation: refetch.
      if (err instanceof InvalidClient) throw err;
      return createLocalJWKSet(await remoteJwks(uri, true, issuer, client.id))(header, token);
    }
  };
}
