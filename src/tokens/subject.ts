import { base64url } from 'jose';
import { derivedHmacKey, hmacBase64url } from '../crypto/derived_keys';
import { sha256 } from '../crypto/hash';

/** What decides a client's `sub` values (OIDC Core §8). */
export interface SubjectPolicy {
  subjectType?: 'public' | 'pairwise' | null;
  /** The host of the sector_identifier_uri, or of the client's single redirect URI host. */
  sectorIdentifier?: string | null;
}

const salts = new Map<string, Promise<string>>();

/** The per-deployment salt, derived (HKDF) from KEY_ENCRYPTION_KEY: stable, secret, never stored. */
function salt(kekSecret: string | undefined): Promise<string> {
  const id = kekSecret ?? '';
  let s = salts.get(id);
  if (!s) {
    s = derivedHmacKey(kekSecret, 'pairwise-subject-salt').then((key) => hmacBase64url(key, 'salt'));
    salts.set(id, s);
    s.catch(() => salts.delete(id));
  }
  return s;
}

/**
 * OIDC Core §8.1: the `sub` a client sees. Public clients see the user's id. Pairwise clients see
 * base64url(SHA-256(sector_identifier || local_account_id || salt)): the same for every client of
 * one sector, different across sectors, and not reversible without the salt.
 */
export async function subjectFor(kekSecret: string | undefined, policy: SubjectPolicy, userId: string): Promise<string> {
  if (policy.subjectType !== 'pairwise' || !policy.sectorIdentifier) return userId;
  return base64url.encode(await sha256(`${policy.sectorIdentifier}${userId}${await salt(kekSecret)}`));
}
