import { base64url } from 'jose';
import { sha256 } from '../crypto/hash';
import type { Bindings } from '../env';
import { pairwiseSalt } from '../keys/pairwise_salt';

/** What decides a client's `sub` values (OIDC Core §8). */
export interface SubjectPolicy {
  subjectType?: 'public' | 'pairwise' | null;
  /** The host of the sector_identifier_uri, or of the client's single redirect URI host. */
  sectorIdentifier?: string | null;
}

/**
 * OIDC Core §8.1: the `sub` a client sees. Public clients see the user's id. Pairwise clients see
 * base64url(SHA-256(sector_identifier || local_account_id || salt)): the same for every client of
 * one sector, different across sectors, and not reversible without the salt (a per-deployment
 * secret kept sealed in KV, src/keys/pairwise_salt.ts; it survives KEY_ENCRYPTION_KEY rotations).
 */
export async function subjectFor(env: Bindings, policy: SubjectPolicy, userId: string): Promise<string> {
  if (policy.subjectType !== 'pairwise' || !policy.sectorIdentifier) return userId;
  return base64url.encode(await sha256(`${policy.sectorIdentifier}${userId}${await pairwiseSalt(env)}`));
}
