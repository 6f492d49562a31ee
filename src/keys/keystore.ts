import { importJWK, type CryptoKey, type JWK } from 'jose';
import { sha256Base64url } from '../crypto/hash';
import type { Bindings } from '../env';
import { isolateCache } from '../isolate_cache';
import { kekById, keyEncryptionKeys, KeyEncryptionError, openPrivateKey } from './encryption';
import { settings } from '../settings';
import { KEY_ALGORITHMS, KEYSET_KV_KEY, type KeyAlg, type KeyDocument } from './types';
import { keyManager } from './manager';

/**
 * The read side of the signing keys: every isolate reads the document that the KeyManager
 * Durable Object publishes in KV, at most once a minute, and keeps everything the hot paths
 * need ready in memory: imported signing keys, verification keys by kid, and the JWKS body with
 * its ETag. Signing and serving the JWKS cost no KV read, no JSON building and no key import.
 */
export const KEYSET_CACHE_SECONDS = 60;

export interface SigningKey {
  kid: string;
  alg: KeyAlg;
  key: CryptoKey;
}

export interface LoadedKeySet {
  version: number;
  /** The active key of each algorithm. */
  signing: Map<KeyAlg, SigningKey>;
  /** Every published key, by kid. */
  verifying: Map<string, { alg: KeyAlg; key: CryptoKey }>;
  /** Algorithms with an active key, RS256 first: exactly what discovery advertises. */
  activeAlgs: KeyAlg[];
  jwks: { body: string; etag: string };
  /** Per-isolate memo for documents derived from this key set (e.g. discovery per issuer). */
  derived: Map<string, { body: string; etag: string }>;
  loadedAt: number;
}

// A failed refresh keeps serving the last good key set, unless the keys cannot be opened at all.
const cache = isolateCache<LoadedKeySet>(KEYSET_CACHE_SECONDS, { keepLastGood: (err) => !(err instanceof KeyEncryptionError) });

/** The key set for this isolate, refreshed at most every KEYSET_CACHE_SECONDS. */
export function keySet(env: Bindings, nowMs = Date.now()): Promise<LoadedKeySet> {
  return cache.get(() => load(env, nowMs), nowMs);
}

/** The loaded key set if this isolate has a fresh one, without waiting: the hot path of /jwks and discovery. */
export const peekKeySet = (nowMs = Date.now()): LoadedKeySet | undefined => cache.peek(nowMs);

/** Drops this isolate's copy, so the next call reads KV again (after a change made here). */
export const forgetKeySet = (): void => cache.forget();

async function readDocument(env: Bindings): Promise<KeyDocument> {
  const stored = await env.KEYS.get<KeyDocument>(KEYSET_KV_KEY, 'json');
  if (stored && !Array.isArray(stored) && stored.keys?.some((k) => k.state === 'active')) return stored;
  // Nothing published yet (first request ever, or a fresh namespace): the single writer creates it.
  return keyManager(env).ensure(Math.floor(Date.now() / 1000));
}

const STATE_ORDER = { active: 0, next: 1, retired: 2 } as const;
const ALG_ORDER: readonly KeyAlg[] = KEY_ALGORITHMS;

async function load(env: Bindings, nowMs: number): Promise<LoadedKeySet> {
  return openKeySet(await readDocument(env), env.KEY_ENCRYPTION_KEY, nowMs, settings(env).keyEncryptionKeyPrevious);
}

/**
 * Everything the hot paths need from a key document: imported keys and the rendered JWKS. A
 * document sealed under KEY_ENCRYPTION_KEY_PREVIOUS (a rotation the cron has not finished) opens
 * with that key.
 */
export async function openKeySet(doc: KeyDocument, kekSecret: string | undefined, nowMs = Date.now(), previousSecret?: string): Promise<LoadedKeySet> {
  const kek = kekById(await keyEncryptionKeys(kekSecret, previousSecret), doc.kekId);
  if (!kek) {
    throw new KeyEncryptionError('the signing keys were sealed with a different KEY_ENCRYPTION_KEY; restore the original secret (or set it as KEY_ENCRYPTION_KEY_PREVIOUS)');
  }
  const published = [...doc.keys].sort((a, b) => ALG_ORDER.indexOf(a.alg) - ALG_ORDER.indexOf(b.alg) || STATE_ORDER[a.state] - STATE_ORDER[b.state]);
  const verifying = new Map<string, { alg: KeyAlg; key: CryptoKey }>();
  const signing = new Map<KeyAlg, SigningKey>();
  await Promise.all(
    published.map(async (k) => {
      verifying.set(k.kid, { alg: k.alg, key: (await importJWK(k.publicJwk, k.alg)) as CryptoKey });
      if (k.state === 'active') {
        const priv = await openPrivateKey(kek, k.kid, k.privateKey);
        signing.set(k.alg, { kid: k.kid, alg: k.alg, key: (await importJWK(priv, k.alg)) as CryptoKey });
      }
    }),
  );
  const body = JSON.stringify({ keys: published.map((k) => k.publicJwk satisfies JWK) });
  return {
    version: doc.version,
    signing,
    verifying,
    activeAlgs: ALG_ORDER.filter((a) => signing.has(a)),
    jwks: { body, etag: `"${(await sha256Base64url(body)).slice(0, 27)}"` },
    derived: new Map(),
    loadedAt: nowMs,
  };
}

/** The active key for `alg`, falling back to RS256 (always present) if that algorithm has none. */
export async function signingKey(env: Bindings, alg: KeyAlg = 'RS256'): Promise<SigningKey> {
  const set = await keySet(env);
  const key = set.signing.get(alg) ?? set.signing.get('RS256');
  if (!key) throw new KeyEncryptionError('no active RS256 signing key');
  return key;
}

/** Key resolver for our own tokens: only currently published keys, by kid and matching alg. */
export async function verificationKey(env: Bindings, kid: string | undefined, alg: string | undefined): Promise<CryptoKey | undefined> {
  if (!kid) return undefined;
  const found = (await keySet(env)).verifying.get(kid);
  return found && found.alg === alg ? found.key : undefined;
}
