/**
 * Changes of a user's standard claims (OIDC Core §5.1), pure: the admin API's `PATCH
 * /admin/users/:id {"claims": {...}}`, the CLI's `--claim NAME=VALUE` and the account page all go
 * through `applyClaimChanges`. A member set to `null` removes the claim. A changed `email` or
 * `phone_number` becomes unverified unless the same change sets its `*_verified` flag (only the
 * operator can); `updated_at` is the storage row's `updated_at`, set with every change.
 */
import { InvalidRequest } from '../errors';
import type { UserClaims } from '../storage/users';

export const STRING_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'email', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number',
] as const;
export const ADDRESS_FIELDS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'] as const;
const FLAGS = ['email_verified', 'phone_number_verified'] as const;
export const STANDARD_CLAIM_NAMES: readonly string[] = [...STRING_CLAIMS, ...FLAGS, 'address'];

const MAX = 500;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The format rules of §5.1 for one string claim; returns the problem, or null. */
export function claimProblem(name: string, v: string): string | null {
  if (v.length > MAX) return `${name} is longer than ${MAX} characters`;
  if (v.trim() === '') return `${name} is empty (use null to remove it)`;
  switch (name) {
    case 'picture':
    case 'website':
    case 'profile': {
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        return `${name} must be an absolute http(s) URL`;
      }
      return u.protocol === 'https:' || u.protocol === 'http:' ? null : `${name} must be an absolute http(s) URL`;
    }
    case 'email':
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : 'email must be an email address';
    case 'birthdate':
      // §5.1: YYYY-MM-DD, or YYYY alone, or 0000-MM-DD when the year is withheld.
      return /^(\d{4}|\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))$/.test(v) ? null : 'birthdate must be YYYY-MM-DD, YYYY or 0000-MM-DD';
    case 'locale':
      return /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(v) ? null : 'locale must be a BCP 47 language tag (e.g. en-US)';
    case 'zoneinfo':
      return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(v) ? null : 'zoneinfo must be a time zone name (e.g. Europe/Paris)';
    case 'phone_number':
      return /^\+?[0-9][0-9 ()./-]{2,30}(;ext=\d{1,10})?$/.test(v) ? null : 'phone_number must be a telephone number (E.164 recommended, e.g. +1 202 555 0100)';
    default:
      return null;
  }
}

/** The claims after `changes`; throws InvalidRequest naming the first bad member. */
export function applyClaimChanges(current: UserClaims, changes: unknown, opts: { allowVerified: boolean }): UserClaims {
  if (!isObject(changes)) throw new InvalidRequest('claims must be an object of standard claims (OIDC Core §5.1), null removing one');
  const next: Record<string, unknown> = { ...current };
  for (const [name, v] of Object.entries(changes)) {
    if (!STANDARD_CLAIM_NAMES.includes(name)) throw new InvalidRequest(`${name} is not a standard claim that can be set (custom values are attributes)`);
    if ((FLAGS as readonly string[]).includes(name)) {
      if (!opts.allowVerified) throw new InvalidRequest(`${name} is set by the operator only`);
      if (v !== null && typeof v !== 'boolean') throw new InvalidRequest(`${name} must be a boolean or null`);
    } else if (name === 'address') {
      if (v !== null) {
        if (!isObject(v)) throw new InvalidRequest('address must be an object (OIDC Core §5.1.1) or null');
        const address: Record<string, string> = {};
        for (const [f, fv] of Object.entries(v)) {
          if (!(ADDRESS_FIELDS as readonly string[]).includes(f)) throw new InvalidRequest(`address.${f} is not an address member (${ADDRESS_FIELDS.join(', ')})`);
          if (fv === null || fv === '') continue;
          if (typeof fv !== 'string' || fv.length > MAX) throw new InvalidRequest(`address.${f} must be a string of at most ${MAX} characters`);
          address[f] = fv;
        }
        if (Object.keys(address).length === 0) {
          delete next.address;
          continue;
        }
        next.address = address;
        continue;
      }
    } else if (v !== null) {
      if (typeof v !== 'string') throw new InvalidRequest(`${name} must be a string or null`);
      const problem = claimProblem(name, v);
      if (problem) throw new InvalidRequest(problem);
    }
    if (v === null) delete next[name];
    else next[name] = v;
  }
  const given = changes as Record<string, unknown>;
  // A changed address is no longer the verified one (unless the operator says it is).
  if (next.email !== current.email && !('email_verified' in given)) next.email_verified = false;
  if (next.email === undefined) delete next.email_verified;
  if (next.phone_number !== current.phone_number && !('phone_number_verified' in given)) next.phone_number_verified = false;
  if (next.phone_number === undefined) delete next.phone_number_verified;
  return next as UserClaims;
}
