import { base64url } from 'jose';
import { derivedHmacKey } from '../crypto/derived_keys';

/**
 * A refresh token names its family and its generation, authenticated by the OP, so the family is
 * stored in ONE row whatever the number of rotations (issue 10) and a token of any earlier
 * generation is still recognised as a replay (RFC 9700 §4.14.2):
 *
 *   base64url( family (12 random bytes) ‖ generation (uint32, big-endian) ‖ MAC (16 bytes) )  = 43 chars
 *
 * MAC = the first 16 bytes of HMAC-SHA-256(K, family ‖ generation), K derived from
 * KEY_ENCRYPTION_KEY for this purpose only: nobody without the key can make or alter a token, and
 * the database holds no token at all (a leaked copy of it yields none). Rotation is deterministic:
 * the successor of generation g is generation g + 1 of the same family, so a retried or
 * concurrent rotation gets exactly the same token.
 */
const FAMILY_BYTES = 12;
const MAC_BYTES = 16;
const FORMAT = /^[A-Za-z0-9_-]{43}$/;

async function mac(kek: string | undefined, family: Uint8Array, generation: number): Promise<Uint8Array> {
  const key = await derivedHmacKey(kek, 'refresh-token-family');
  const data = new Uint8Array(FAMILY_BYTES + 4);
  data.set(family);
  new DataView(data.buffer).setUint32(FAMILY_BYTES, generation);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, data)).slice(0, MAC_BYTES);
}

/** A new family id (stored as the row's primary key). */
export const newFamilyId = (): string => base64url.encode(crypto.getRandomValues(new Uint8Array(FAMILY_BYTES)));

/** The token of generation `generation` of family `familyId`. */
export async function mintRefreshToken(kek: string | undefined, familyId: string, generation: number): Promise<string> {
  const family = base64url.decode(familyId);
  const out = new Uint8Array(FAMILY_BYTES + 4 + MAC_BYTES);
  out.set(family);
  new DataView(out.buffer).setUint32(FAMILY_BYTES, generation);
  out.set(await mac(kek, family, generation), FAMILY_BYTES + 4);
  return base64url.encode(out);
}

/**
 * The family and generation of a token this OP issued, or null (malformed, or the MAC does not
 * match). During a KEY_ENCRYPTION_KEY rotation a token MACed under the previous key still verifies
 * (`previous`), so rotating the key signs nobody out; its successor is minted under the current key.
 */
export async function parseRefreshToken(kek: string | undefined, token: string, previous?: string): Promise<{ familyId: string; generation: number } | null> {
  if (!FORMAT.test(token)) return null;
  const bytes = base64url.decode(token);
  if (bytes.length !== FAMILY_BYTES + 4 + MAC_BYTES) return null;
  const family = bytes.slice(0, FAMILY_BYTES);
  const generation = new DataView(bytes.buffer, bytes.byteOffset).getUint32(FAMILY_BYTES);
  const presented = bytes.slice(FAMILY_BYTES + 4);
  const matches = async (k: string | undefined) => crypto.subtle.timingSafeEqual(await mac(k, family, generation), presented);
  if (!(await matches(kek)) && !(previous && previous !== kek && (await matches(previous)))) return null;
  return { familyId: base64url.encode(family), generation };
}
