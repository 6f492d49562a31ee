import type { Bindings } from '../env';
import { derivedHmacKey, hmacBase64url } from '../crypto/derived_keys';
import { settings } from '../settings';
import { kekById, keyEncryptionKeys, KeyEncryptionError, openPrivateKey, sealPrivateKey } from './encryption';
import type { SealedPrivateKey } from './types';

/** The KV key of the pairwise subject salt, sealed (AES-256-GCM under KEY_ENCRYPTION_KEY). */
export const PAIRWISE_SALT_KV_KEY = 'pairwise-subject-salt';
const KID = 'pairwise-subject-salt';

interface StoredSalt {
  kekId: string;
  sealed: SealedPrivateKey;
}

/**
 * The per-deployment salt of pairwise subjects (OIDC Core §8.1). It must never change (every
 * pairwise `sub` a relying party holds depends on it), so it cannot be derived from
 * KEY_ENCRYPTION_KEY alone once that key can be rotated: it is kept in KV, sealed under the
 * current key. The first time it is needed it is the value earlier versions derived (HKDF from the
 * key; from KEY_ENCRYPTION_KEY_PREVIOUS when a rotation is under way, the key that made the
 * subjects relying parties already hold), so no existing `sub` changes. The cron re-seals it after
 * a rotation (`resealPairwiseSalt`). Read once per isolate.
 */
const cache = new Map<string, Promise<string>>();

export function pairwiseSalt(env: Bindings): Promise<string> {
  const id = `${env.KEY_ENCRYPTION_KEY ?? ''}:${settings(env).keyEncryptionKeyPrevious ?? ''}`;
  let s = cache.get(id);
  if (!s) {
    s = loadSalt(env);
    cache.set(id, s);
    s.catch(() => cache.delete(id));
  }
  return s;
}

/** Drops this isolate's copy (tests). */
export const forgetPairwiseSalt = (): void => cache.clear();

const derived = async (secret: string | undefined) => hmacBase64url(await derivedHmacKey(secret, 'pairwise-subject-salt'), 'salt');

async function loadSalt(env: Bindings): Promise<string> {
  const previous = settings(env).keyEncryptionKeyPrevious;
  const keks = await keyEncryptionKeys(env.KEY_ENCRYPTION_KEY, previous);
  const stored = await env.KEYS.get<StoredSalt>(PAIRWISE_SALT_KV_KEY, 'json');
  if (stored) {
    const kek = kekById(keks, stored.kekId);
    if (!kek) throw new KeyEncryptionError('the pairwise subject salt was sealed with a different KEY_ENCRYPTION_KEY; restore the original secret (or set it as KEY_ENCRYPTION_KEY_PREVIOUS)');
    return String((await openPrivateKey(kek, KID, stored.sealed)).k);
  }
  const salt = await derived(previous ?? env.KEY_ENCRYPTION_KEY);
  // Deterministic: concurrent first uses write the same value.
  const value: StoredSalt = { kekId: keks.current.id, sealed: await sealPrivateKey(keks.current, KID, { k: salt }) };
  await env.KEYS.put(PAIRWISE_SALT_KV_KEY, JSON.stringify(value));
  return salt;
}

/** The cron: re-seals a salt still sealed under KEY_ENCRYPTION_KEY_PREVIOUS under the current key. Idempotent; true when it re-sealed. */
export async function resealPairwiseSalt(env: Bindings): Promise<boolean> {
  const stored = await env.KEYS.get<StoredSalt>(PAIRWISE_SALT_KV_KEY, 'json');
  const keks = await keyEncryptionKeys(env.KEY_ENCRYPTION_KEY, settings(env).keyEncryptionKeyPrevious);
  if (!stored || stored.kekId === keks.current.id || !keks.previous || stored.kekId !== keks.previous.id) return false;
  const salt = await openPrivateKey(keks.previous, KID, stored.sealed);
  const value: StoredSalt = { kekId: keks.current.id, sealed: await sealPrivateKey(keks.current, KID, salt) };
  await env.KEYS.put(PAIRWISE_SALT_KV_KEY, JSON.stringify(value));
  return true;
}
