// Shared helpers for the token lifecycle tests (refresh, client credentials, JWT client
// authentication, revocation, introspection). Not a test file itself.
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { expect } from 'vitest';
import { authorizeInBrowser, basic, createClient, createUser, env, fetchOp, ISSUER, uniqueIp, type TestClient } from '../helpers';

export const TOKEN_URL = `${ISSUER}/token`;
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

export interface Auth {
  /** Authorization header value, if any. */
  authorization?: string;
  /** Extra form fields for the client authentication (client_id, client_secret, client_assertion...). */
  form?: Record<string, string>;
}

export const basicAuth = (client: TestClient): Auth => ({ authorization: basic(client) });
export const assertionAuth = (assertion: string, clientId?: string): Auth => ({
  form: { client_assertion_type: JWT_BEARER, client_assertion: assertion, ...(clientId ? { client_id: clientId } : {}) },
});

/** POSTs a form to one of the client-authenticated endpoints (/token, /revoke, /introspect). */
export function postForm(path: '/token' | '/revoke' | '/introspect', body: Record<string, string>, auth: Auth = {}, ip = uniqueIp()): Promise<Response> {
  const headers: Record<string, string> = { ...FORM, 'CF-Connecting-IP': ip };
  if (auth.authorization) headers.Authorization = auth.authorization;
  return fetchOp(path, { method: 'POST', headers, body: new URLSearchParams({ ...body, ...(auth.form ?? {}) }).toString() });
}

export interface TokenSet {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** Reads a JSON error body and checks its error code and status. */
export async function expectError(res: Response, error: string, status = 400): Promise<{ error: string; error_description?: string }> {
  const text = await res.text();
  expect(res.status, `expected ${status} ${error}, got ${res.status} ${text.slice(0, 300)}`).toBe(status);
  const body = JSON.parse(text) as { error: string; error_description?: string };
  expect(body.error, text).toBe(error);
  expect(body).not.toHaveProperty('access_token');
  return body;
}

export async function expectTokens(res: Response): Promise<TokenSet> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as TokenSet;
}

/** A confidential, first-party client allowed refresh tokens. */
export const refreshClient = (overrides: Record<string, unknown> = {}) =>
  createClient({ first_party: true, grant_types: ['authorization_code', 'refresh_token'], ...overrides });

/** Code flow with `scope` (default 'openid offline_access'), exchanged with Basic credentials. */
export async function codeFlow(
  client: TestClient,
  opts: { scope?: string; extra?: Record<string, string>; user?: { id: string; username: string; password: string } } = {},
) {
  const user = opts.user ?? (await createUser());
  const callback = await authorizeInBrowser({ client, user, scope: opts.scope ?? 'openid offline_access', extra: { prompt: 'consent', ...opts.extra } });
  const code = callback.searchParams.get('code');
  expect(code, callback.toString()).toBeTruthy();
  const res = await postForm('/token', { grant_type: 'authorization_code', code: code!, redirect_uri: client.redirect_uris[0]! }, basicAuth(client));
  return { user, tokens: await expectTokens(res) };
}

export const refresh = (client: TestClient, refreshToken: string, extra: Record<string, string> = {}, auth: Auth = basicAuth(client)) =>
  postForm('/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, auth);

export const userinfo = (accessToken: string) => fetchOp('/userinfo', { headers: { Authorization: `Bearer ${accessToken}` } });

export async function introspect(client: TestClient, token: string, extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await postForm('/introspect', { token, ...extra }, basicAuth(client));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Record<string, unknown>;
}

export const revoke = (client: TestClient, token: string, extra: Record<string, string> = {}) => postForm('/revoke', { token, ...extra }, basicAuth(client));

export const claimsOf = (jwt: string) => decodeJwt(jwt);


// --- JWT client assertions ------------------------------------------------------------------------

export interface ClientKey {
  alg: 'ES256' | 'RS256' | 'EdDSA';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function clientKey(alg: ClientKey['alg'], kid = `${alg}-${crypto.randomUUID()}`): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

export interface AssertionOptions {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** Seconds from now; null leaves exp out. */
  expIn?: number | null;
  jti?: string | null;
  kid?: string;
  alg?: string;
}

/** An RFC 7523 client assertion: iss = sub = client_id, aud = the token endpoint, exp in 60 s, a fresh jti. */
export async function signAssertion(clientId: string, key: CryptoKey | Uint8Array, o: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: o.iss ?? clientId, sub: o.sub ?? clientId, aud: o.aud ?? TOKEN_URL, iat: now };
  const expIn = o.expIn === undefined ? 60 : o.expIn;
  if (expIn !== null) payload.exp = now + expIn;
  if (o.jti !== null) payload.jti = o.jti ?? crypto.randomUUID();
  return new SignJWT(payload).setProtectedHeader({ alg: o.alg ?? 'ES256', ...(o.kid ? { kid: o.kid } : {}) }).sign(key);
}

export const sign = (clientId: string, key: ClientKey, o: AssertionOptions = {}) => signAssertion(clientId, key.privateKey, { alg: key.alg, kid: key.kid, ...o });

export { createClient, createUser, env, fetchOp, ISSUER, uniqueIp };
