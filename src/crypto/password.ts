import { base64url } from 'jose';
import type { Bindings } from '../env';
import { settings } from '../settings';

/** workerd refuses more than 100,000 PBKDF2 iterations, so that is both our target and our ceiling. */
export const PBKDF2_ITERATIONS = 100_000;
const encoder = new TextEncoder();

/** Unpeppered: `pbkdf2-sha256$<iterations>$<salt>$<hash>` (still verified; upgraded at the next sign-in once a pepper is set). */
const PLAIN = 'pbkdf2-sha256';
/** Peppered: `pbkdf2-sha256-hmac$<pepper id>$<iterations>$<salt>$<hash>`, PBKDF2 over HMAC-SHA-256(pepper, password). */
const PEPPERED = 'pbkdf2-sha256-hmac';

/**
 * The password pepper: the optional PASSWORD_PEPPER secret, kept apart from the database so that a
 * dump of the users table alone cannot be attacked offline. Parsed by src/settings.ts.
 */
export const passwordPepper = (env: Bindings): string | undefined => settings(env).passwordPepper;

interface Pepper {
  id: string;
  key: CryptoKey;
}

const peppers = new Map<string, Promise<Pepper>>();

/** The HMAC key of a pepper and its id (recorded in each hash, so a changed pepper is recognised, never guessed). */
function pepperKey(pepper: string): Promise<Pepper> {
  let p = peppers.get(pepper);
  if (!p) {
    p = (async () => {
      const key = await crypto.subtle.importKey('raw', encoder.encode(pepper), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      const id = base64url.encode(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode('password-pepper-id'))).slice(0, 6));
      return { id, key };
    })();
    peppers.set(pepper, p);
  }
  return p;
}

async function derive(secret: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', secret, 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

const peppered = async (password: string, pepper: Pepper) => new Uint8Array(await crypto.subtle.sign('HMAC', pepper.key, encoder.encode(password)));

/** A new hash: peppered when a pepper is given, else the plain format. */
export async function hashPassword(password: string, pepper?: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const tail = (hash: Uint8Array) => `${PBKDF2_ITERATIONS}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
  if (!pepper) return `${PLAIN}$${tail(await derive(encoder.encode(password), salt, PBKDF2_ITERATIONS))}`;
  const p = await pepperKey(pepper);
  return `${PEPPERED}$${p.id}$${tail(await derive(await peppered(password, p), salt, PBKDF2_ITERATIONS))}`;
}

/**
 * Checks a password against a stored hash of either format. A peppered hash never verifies without
 * its pepper (nor with another one). Compared in constant time.
 */
export async function verifyPassword(password: string, stored: string, pepper?: string): Promise<boolean> {
  const parts = stored.split('$');
  let secret: Uint8Array;
  let rest: string[];
  if (parts[0] === PLAIN && parts.length === 4) {
    secret = encoder.encode(password);
    rest = parts.slice(1);
  } else if (parts[0] === PEPPERED && parts.length === 5 && pepper) {
    const p = await pepperKey(pepper);
    if (parts[1] !== p.id) return false;
    secret = await peppered(password, p);
    rest = parts.slice(2);
  } else {
    return false;
  }
  const [iter, salt, hash] = rest as [string, string, string];
  const iterations = Number(iter);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS || !salt || !hash) return false;
  const expected = base64url.decode(hash);
  const actual = await derive(secret, base64url.decode(salt), iterations);
  return actual.length === expected.length && crypto.subtle.timingSafeEqual(actual, expected);
}

/** After a successful verification: whether the hash should be replaced (a pepper is set but the hash lacks it, or fewer iterations). */
export async function needsRehash(stored: string, pepper?: string): Promise<boolean> {
  const parts = stored.split('$');
  const iterations = Number(parts[0] === PEPPERED ? parts[2] : parts[1]);
  if (iterations < PBKDF2_ITERATIONS) return true;
  if (!pepper) return false;
  return parts[0] !== PEPPERED || parts[1] !== (await pepperKey(pepper)).id;
}

/**
 * A fixed hash to verify against when the account does not exist, so that an unknown
 * username costs the same PBKDF2 work as a wrong password (no user enumeration by timing).
 */
const dummies = new Map<string, Promise<string>>();
export function dummyPasswordHash(pepper?: string): Promise<string> {
  let dummy = dummies.get(pepper ?? '');
  if (!dummy) {
    dummy = hashPassword(crypto.randomUUID(), pepper);
    dummies.set(pepper ?? '', dummy);
  }
  return dummy;
}
