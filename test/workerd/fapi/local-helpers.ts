// Helpers for the high-security profile tests (issue 14: PAR, JAR, DPoP, JARM). Not a test file itself.
import { SignJWT, base64url, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { expect } from 'vitest';
import { ISSUER, basic, fetchOp, followAuthorization, type TestClient } from '../helpers';

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** The authorization parameters of a code request to the test client's first redirect URI. */
export const authParams = (client: TestClient, extra: Record<string, string> = {}): Record<string, string> => ({
  client_id: client.client_id,
  redirect_uri: client.redirect_uris[0]!,
  response_type: 'code',
  scope: 'openid profile',
  state: 'state-par',
  nonce: 'nonce-par',
  ...extra,
});

/** POSTs to /par, authenticated with the client's secret (client_secret_basic). */
export const pushRequest = (client: TestClient, params: Record<string, string>, headers: Record<string, string> = {}) =>
  fetchOp('/par', { method: 'POST', headers: { ...FORM, Authorization: basic(client), ...headers }, body: new URLSearchParams(params).toString() });

/** Pushes and expects 201: the request_uri. */
export async function pushed(client: TestClient, params: Record<string, string>): Promise<string> {
  const res = await pushRequest(client, params);
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { request_uri: string; expires_in: number };
  return body.request_uri;
}

/** Follows an authorization URL through sign-in and consent; returns the callback URL. */
export const followInBrowser = followAuthorization;

/** A DPoP key pair (RFC 9449) and a proof maker for it. */
export async function dpopKey(alg: 'ES256' | 'EdDSA' | 'PS256' | 'RS256' = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  const proof = async (htm: string, htu: string, o: { nonce?: string; accessToken?: string; jti?: string; iat?: number; header?: Record<string, unknown>; claims?: Record<string, unknown> } = {}) => {
    const claims: Record<string, unknown> = { htm, htu, jti: o.jti ?? crypto.randomUUID(), iat: o.iat ?? Math.floor(Date.now() / 1000) };
    if (o.nonce) claims.nonce = o.nonce;
    if (o.accessToken) claims.ath = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(o.accessToken))));
    return new SignJWT({ ...claims, ...o.claims }).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...o.header }).sign(privateKey);
  };
  return { jwk, jkt, privateKey, proof };
}

export type DpopKey = Awaited<ReturnType<typeof dpopKey>>;

/** The current server nonce, as a client learns it: from a use_dpop_nonce answer's DPoP-Nonce header. */
export async function serverNonce(path: '/token' | '/par' = '/token'): Promise<string> {
  const key = await dpopKey();
  const res = await fetchOp(path, {
    method: 'POST',
    headers: { ...FORM, DPoP: await key.proof('POST', `${ISSUER}${path}`) },
    body: 'grant_type=client_credentials',
  });
  const nonce = res.headers.get('DPoP-Nonce');
  await res.body?.cancel();
  if (!nonce) throw new Error(`no DPoP-Nonce from ${path} (HTTP ${res.status})`);
  return nonce;
}

/** A token request with a DPoP proof by `key` carrying the current nonce. */
export async function dpopTokenRequest(client: TestClient, form: Record<string, string>, key: DpopKey, o: { nonce?: string } = {}) {
  const headers: Record<string, string> = { ...FORM, DPoP: await key.proof('POST', `${ISSUER}/token`, { nonce: o.nonce ?? (await serverNonce()) }) };
  const body: Record<string, string> = { ...form };
  if (client.client_secret) headers.Authorization = basic(client);
  else body.client_id = client.client_id;
  return fetchOp('/token', { method: 'POST', headers, body: new URLSearchParams(body).toString() });
}
