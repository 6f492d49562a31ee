import { OFFLINE_ACCESS, STANDARD_SCOPES } from '../config';
import { InvalidRequest } from '../errors';
import type { CustomClaim, CustomScope, ScopeClaim } from '../storage/custom_claims';
import { SUPPORTED_CLAIMS } from '../tokens/claims';

/**
 * Names an operator-defined claim may not take: OIDC Core §5.1 standard claims, §2 ID token
 * claims, JWT (RFC 7519 §4.1) and access token (RFC 9068) claims, and the ones this OP issues.
 */
const RESERVED_CLAIMS = new Set([
  ...SUPPORTED_CLAIMS, 'sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'typ', 'cnf', 'c_hash', 's_hash', 'client_id', 'scope', 'gid',
  'auth_time', 'nonce', 'acr', 'amr', 'azp', 'sid', 'at_hash', 'updated_at', 'address', 'email', 'email_verified', 'phone_number',
  'phone_number_verified', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'gender', 'birthdate', 'zoneinfo', 'locale', '_claim_names', '_claim_sources', 'events',
]);
const RESERVED_SCOPES = new Set<string>([...STANDARD_SCOPES, OFFLINE_ACCESS]);
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const ATTRIBUTE_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_ATTRIBUTES_BYTES = 8 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalText = (v: unknown, what: string): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > 300) throw new InvalidRequest(`${what} must be a string of at most 300 characters`);
  return v;
};

/**
 * A claim name (OIDC Core §5.1.2): a URI such as https://example.com/claims/roles, or another
 * printable name that no specification or this OP already uses. Reserved names are refused.
 */
export function checkClaimName(name: unknown): string {
  if (typeof name !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(name)) throw new InvalidRequest('name must be 1 to 200 printable characters without spaces');
  if (RESERVED_CLAIMS.has(name)) throw new InvalidRequest(`${name} is a standard claim name; use a collision-resistant name such as https://example.com/claims/${name}`);
  if (name.includes(':')) {
    try {
      new URL(name);
    } catch {
      throw new InvalidRequest(`${name} contains ':' but is not an absolute URI`);
    }
  }
  return name;
}

export function parseClaimDefinition(body: unknown, at: number): CustomClaim {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  if (typeof body.attribute !== 'string' || !ATTRIBUTE_KEY.test(body.attribute)) throw new InvalidRequest('attribute must be a user attribute key: 1 to 64 letters, digits or _ . : -');
  return { name: checkClaimName(body.name), attribute: body.attribute, description: optionalText(body.description, 'description'), createdAt: at };
}

/** A scope and the claims it releases; every claim must be defined (`known`). */
export function parseScopeDefinition(body: unknown, known: (name: string) => boolean, at: number): CustomScope {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  const name = body.name;
  if (typeof name !== 'string' || !SCOPE_TOKEN.test(name)) throw new InvalidRequest('name must be an RFC 6749 scope token');
  if (RESERVED_SCOPES.has(name)) throw new InvalidRequest(`${name} is a standard scope`);
  return { name, description: optionalText(body.description, 'description'), claims: parseScopeClaims(body.claims, known, 1), createdAt: at };
}

/** A list of claims to release: names, or {"name", "values"?}, each defined (`known`). */
export function parseScopeClaims(list: unknown, known: (name: string) => boolean, min: number): ScopeClaim[] {
  if (!Array.isArray(list) || list.length < min || list.length > 20) throw new InvalidRequest(`claims must list ${min} to 20 claims`);
  return list.map((c: unknown) => {
    const entry = typeof c === 'string' ? { name: c } : c;
    if (!isObject(entry) || typeof entry.name !== 'string') throw new InvalidRequest('each claim is a name or {"name", "values"?}');
    if (!known(entry.name)) throw new InvalidRequest(`claim ${entry.name} is not defined; create it first`);
    if (entry.values === undefined) return { name: entry.name };
    if (!Array.isArray(entry.values) || entry.values.length === 0 || entry.values.length > 50 || entry.values.some((v) => typeof v !== 'string' || v === '' || v.length > 200)) {
      throw new InvalidRequest('values must list 1 to 50 non-empty strings');
    }
    return { name: entry.name, values: [...new Set(entry.values as string[])] };
  });
}

/**
 * Changes to a user's attributes: a JSON object whose members replace the user's, a null member
 * removing one. Values are any JSON; the whole stays within 8 KiB.
 */
export function applyAttributeChanges(current: Record<string, unknown>, changes: unknown): Record<string, unknown> {
  if (!isObject(changes)) throw new InvalidRequest('attributes must be a JSON object');
  const next = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (!ATTRIBUTE_KEY.test(k)) throw new InvalidRequest(`attribute ${k}: keys are 1 to 64 letters, digits or _ . : -`);
    if (v === null) delete next[k];
    else next[k] = v;
  }
  if (new TextEncoder().encode(JSON.stringify(next)).length > MAX_ATTRIBUTES_BYTES) throw new InvalidRequest('attributes may hold at most 8 KiB of JSON');
  return next;
}
