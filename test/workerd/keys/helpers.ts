import { applyD1Migrations, env, reset } from 'cloudflare:test';
import { createLocalJWKSet, errors, jwtVerify, type JWK } from 'jose';
import { forgetKeySet, openKeySet } from '../../../src/keys/keystore';
import { keyManager } from '../../../src/keys/manager';
import type { KeyDocument } from '../../../src/keys/types';

export const manager = () => keyManager(env);

export async function publishedDocument(): Promise<KeyDocument> {
  const doc = await env.KEYS.get<KeyDocument>('signing-keys', 'json');
  if (!doc) throw new Error('no key document in KV');
  return doc;
}

/** What every isolate derives from KV: the signing keys and the JWKS body. */
export async function published() {
  return openKeySet(await publishedDocument(), env.KEY_ENCRYPTION_KEY);
}

/**
 * Verifies a JWT against a JWKS body, as a relying party would: false when the JWKS holds no key
 * for the token or its signature does not verify; any other failure (an expired token, a malformed
 * JWKS or token) is thrown, so a test cannot pass for the wrong reason.
 */
export async function verifiesAgainst(jwksBody: string, token: string, at: number): Promise<boolean> {
  const jwks = createLocalJWKSet(JSON.parse(jwksBody) as { keys: JWK[] });
  try {
    await jwtVerify(token, jwks, { currentDate: new Date(at * 1000) });
    return true;
  } catch (e) {
    if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWSSignatureVerificationFailed) return false;
    throw e;
  }
}

/** Empty storage (no keys anywhere), with the schema re-applied. */
export async function freshStorage(): Promise<void> {
  await reset();
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  forgetKeySet();
}
