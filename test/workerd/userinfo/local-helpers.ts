import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { expect } from 'vitest';
import { keyEncryptionKey, openPrivateKey } from '../../../src/keys/encryption';
import type { KeyDocument } from '../../../src/keys/types';
import { createClient, createUser, env, fetchOp, obtainTokens } from '../helpers';

export interface Tokens {
  access_token: string;
  id_token: string;
  scope: string;
}

/** A user (with extra claims) signed in through a first-party client with the given scopes. */
export async function tokensFor(scope: string, userOverrides: Record<string, unknown> = {}) {
  const user = await createUser(userOverrides);
  const client = await createClient({ first_party: true });
  const tokens = await obtainTokens({ client, user, scope });
  return { user, client, tokens };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const getUserinfo = (headers: Record<string, string> = {}, query = '') => fetchOp(`/userinfo${query}`, { headers });
export const postUserinfo = (body: string, headers: Record<string, string> = {}) =>
  fetchOp('/userinfo', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });

/** RFC 6750 §3.1: a 401 with a Bearer challenge naming invalid_token. */
export async function expectInvalidToken(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  const challenge = res.headers.get('WWW-Authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toMatch(/realm="[^"]*"/);
  expect(challenge).toMatch(/error="invalid_token"/);
  const description = /error_description="([^"]*)"/.exec(challenge);
  if (description) expect(description[1]).not.toMatch(/\\/);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  const text = await res.text();
  expect(text).not.toContain('"sub"');
}

/**
 * The server's own active RS256 signing key, read from KV and opened with the key-encryption key,
 * to forge tokens that differ from real ones in one respect only.
 */
export async function serverSigningKey() {
  const doc = await env.KEYS.get<KeyDocument>('signing-keys', 'json');
  const active = doc?.keys.find((k) => k.alg === 'RS256' && k.state === 'active');
  expect(active).toBeDefined();
  const kek = await keyEncryptionKey(env.KEY_ENCRYPTION_KEY);
  const jwk: JWK = await openPrivateKey(kek, active!.kid, active!.privateKey);
  return { kid: active!.kid, alg: active!.alg, key: await importJWK(jwk, active!.alg) };
}

export interface ForgeOptions {
  key?: Awaited<ReturnType<typeof serverSigningKey>>['key'];
  kid?: string;
  typ?: string;
  iss?: string;
  aud?: string;
  iat?: number;
  exp?: number;
  claims?: Record<string, unknown>;
}

/**
 * Re-signs a real access token's header and claims (RFC 9068) with any field overridden: with the
 * server's own key by default, so only the overridden field differs from a token the server issued.
 */
export async function forgeAccessToken(realToken: string, o: ForgeOptions = {}): Promise<string> {
  const server = await serverSigningKey();
  const header = decodeProtectedHeader(realToken);
  const payload = decodeJwt(realToken);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...payload, jti: crypto.randomUUID(), ...o.claims })
    .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? header.kid ?? server.kid, typ: o.typ ?? header.typ ?? 'at+jwt' })
    .setIssuer(o.iss ?? (payload.iss as string))
    .setAudience(o.aud ?? (payload.aud as string | string[]))
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime(o.exp ?? now + 600)
    .sign(o.key ?? server.key);
}
