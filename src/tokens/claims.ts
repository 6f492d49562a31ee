import type { User, UserClaims } from '../storage/users';

/** OIDC Core §5.4: the claims each standard scope requests. */
export const SCOPE_CLAIMS: Record<string, (keyof UserClaims)[]> = {
  profile: [
    'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
    'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

export const SUPPORTED_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'sid', 'at_hash', 'c_hash', 'updated_at', ...Object.values(SCOPE_CLAIMS).flat()];

/** The user's claims released by the granted scopes (`sub` is always included). */
export function claimsForScopes(user: Pick<User, 'id' | 'claims' | 'updatedAt'>, scopes: Iterable<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { sub: user.id };
  for (const scope of scopes) {
    for (const name of SCOPE_CLAIMS[scope] ?? []) {
      const value = user.claims[name];
      if (isPresent(value)) out[name] = value;
    }
    if (scope === 'profile') out.updated_at = user.updatedAt;
  }
  return out;
}

/** The claims without `sub` (the ID token sets its own). */
export const withoutSub = ({ sub: _sub, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;

/** OIDC Core §5.3.2: absent claims are omitted, never sent as empty strings, null or empty objects. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
