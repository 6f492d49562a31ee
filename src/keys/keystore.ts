import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import type { Bindings } from '../env';

/**
 * The signing key set, kept in KV under `signing-keys`. This module is the only reader and
 * writer of that key, so rotation (cron) can replace what it does without touching callers.
 */
export const KEYSET_KV_KEY = 'signing-keys';
const CACHE_SECONDS = 60;

export interface StoredKey {
  kid: string;
  alg: 'RS256';
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: number;
}

export interface SigningKey {
  kid: string;
  alg: string;
  key: CryptoKey;
}

interface LoadedKeySet {
  signing: SigningKey;
  publicJwks: { keys: JWK[] };
  verifying: Map<string, CryptoKey>;
  loadedAt: number;
}

let cache: { value: Promise<LoadedKeySet>; loadedAt: number } | undefined;

/** The key set for this isolate: read from KV at most once a minute, created on first need. */
export function keySet(env: Bindings): Promise<LoadedKeySet> {
  const nowMs = Date.now();
  if (!cache || nowMs - cache.loadedAt > CACHE_SECONDS * 1000) {
    const value = load(env);
    cache = { value, loadedAt: nowMs };
    value.catch(() => (cache = undefined));
  }
  return cache.value;
}

/** Drops the in-isolate cache (tests, and after an administrative change to the keys). */
export function forgetKeySet(): void {
  cache = undefined;
}

async function load(env: Bindings): Promise<LoadedKeySet> {
  let stored = await env.KEYS.get<StoredKey[]>(KEYSET_KV_KEY, 'json');
  if (!stored || stored.length === 0) {
    stored = [await createKey()];
    await env.KEYS.put(KEYSET_KV_KEY, JSON.stringify(stored));
  }
  const newest = stored[stored.length - 1]!;
  const verifying = new Map<string, CryptoKey>();
  for (const k of stored) verifying.set(k.kid, (await importJWK(k.publicJwk, k.alg)) as CryptoKey);
  return {
    signing: { kid: newest.kid, alg: newest.alg, key: (await importJWK(newest.privateJwk, newest.alg)) as CryptoKey },
    publicJwks: { keys: stored.map((k) => k.publicJwk) },
    verifying,
    loadedAt: Date.now(),
  };
}

async function createKey(): Promise<StoredKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const pub = await exportJWK(publicKey);
  // RFC 7638 thumbprint as kid: stable, derived from the key itself, unique per key.
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  return {
    kid,
    alg: 'RS256',
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' },
    publicJwk: { kty: pub.kty, n: pub.n, e: pub.e, kid, alg: 'RS256', use: 'sig' },
    createdAt: Math.floor(Date.now() / 1000),
  };
}

export async function signingKey(env: Bindings): Promise<SigningKey> {
  return (await keySet(env)).signing;
}

export async function publicJwks(env: Bindings): Promise<{ keys: JWK[] }> {
  return (await keySet(env)).publicJwks;
}

/** Key resolver for jwtVerify: only our own published keys, looked up by kid. */
export async function verificationKey(env: Bindings, kid: string | undefined): Promise<CryptoKey | undefined> {
  if (!kid) return undefined;
  return (await keySet(env)).verifying.get(kid);
}
