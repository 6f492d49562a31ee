import { hashPassword, passwordPepper } from '../crypto/password';
import type { Bindings } from '../env';
import { InvalidRequest } from '../errors';
import { UserRepository, type User, type UserClaims } from '../storage/users';

/**
 * The one user-creation path, for self-service sign-up and the admin API: the same username,
 * email and password rules, the same hashing, and the same uniqueness rule (sign-in accepts a
 * username or an email, so neither may collide with either of someone else's).
 */

/** No `@`: a username can never look like someone's email address (sign-in accepts either). */
export const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_EMAIL_LENGTH = 254;

/** A common password of at least 10 characters (the length rule removes the rest). */
const COMMON = new Set([
  '1234567890', '0123456789', '1111111111', '0000000000', 'qwertyuiop', 'password12', 'password123', 'password1234',
  '1q2w3e4r5t', 'qwerty1234', 'iloveyou12', 'abcdefghij', 'abc1234567', 'passwordpassword', 'letmein123', 'welcome123',
]);

/**
 * The strength rule: at least 10 characters (NIST SP 800-63B §5.1.1.2 asks for 8 or more and no
 * composition rules), at most 1024, not the username or email, not one repeated character and not
 * a common password.
 */
export function passwordProblem(password: string, username: string, email: string | null): boolean {
  const lower = password.toLowerCase();
  if (password.length < 10 || password.length > 1024) return true;
  if (lower === username.toLowerCase() || (email !== null && lower === email.toLowerCase()) || lower.includes(username.toLowerCase())) return true;
  if (/^(.)\1*$/.test(password)) return true;
  return COMMON.has(lower);
}

export interface NewUser {
  username: string;
  /** Null for a passkey-only account (sign-up with a passkey): its password_hash is '' and never verifies. */
  password: string | null;
  /** A fixed id (the passkey sign-up's, named in its registration challenge); random otherwise. */
  id?: string;
  email: string | null;
  claims: UserClaims;
  attributes?: Record<string, unknown>;
}

export type NewUserProblem = 'username' | 'email' | 'password' | 'taken';

/** The first rule the new user breaks, or null. */
export function newUserProblem(u: Pick<NewUser, 'username' | 'password' | 'email'>): Exclude<NewUserProblem, 'taken'> | null {
  if (!USERNAME.test(u.username)) return 'username';
  if (u.email !== null && (!EMAIL.test(u.email) || u.email.length > MAX_EMAIL_LENGTH)) return 'email';
  if (u.password !== null && passwordProblem(u.password, u.username, u.email)) return 'password';
  return null;
}

/** Creates the user, or says which rule it breaks; a name taken is `taken`, without saying whose. */
export async function createUser(
  env: Bindings,
  input: NewUser,
  at: number,
  opts: { alsoWrite?: (user: User) => D1PreparedStatement[] } = {},
): Promise<{ ok: true; user: User } | { ok: false; problem: NewUserProblem }> {
  const problem = newUserProblem(input);
  if (problem) return { ok: false, problem };
  const users = new UserRepository(env.DB);
  if (await users.loginTaken(input.username, input.email)) return { ok: false, problem: 'taken' };
  const user: User = {
    id: input.id ?? crypto.randomUUID(),
    username: input.username,
    email: input.email,
    passwordHash: input.password === null ? '' : await hashPassword(input.password, passwordPepper(env)),
    claims: { ...input.claims, preferred_username: input.claims.preferred_username ?? input.username },
    attributes: input.attributes ?? {},
    updatedAt: at,
    createdAt: at,
  };
  // The insert's unique constraints settle a race between two creations of the same name.
  if (!opts.alsoWrite) return (await users.insert(user)) ? { ok: true, user } : { ok: false, problem: 'taken' };
  // `alsoWrite`: rows that hang off the new user (an upstream account link), in the same batch (one
  // transaction, one round trip). When the name was taken meanwhile the insert changes nothing, the
  // rows' foreign key to the user fails, and the whole batch is rolled back: nothing half-created.
  try {
    const [inserted] = await env.DB.batch([users.insertStatement(user), ...opts.alsoWrite(user)]);
    return inserted!.meta.changes > 0 ? { ok: true, user } : { ok: false, problem: 'taken' };
  } catch (err) {
    if (/UNIQUE|FOREIGN KEY/i.test(String(err))) return { ok: false, problem: 'taken' };
    throw err;
  }
}

export const NEW_USER_MESSAGES: Record<Exclude<NewUserProblem, 'taken'>, string> = {
  username: 'username is required: 3 to 64 letters, digits or . _ -',
  email: 'email is not a valid address',
  password: 'password is too weak: at least 10 characters, not the username or email, not a common password',
};


const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const STRING_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number',
] as const;
const ADDRESS_FIELDS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'] as const;

/**
 * The admin API's user (POST /admin/users): the rules of every new user, then the standard claims
 * (OIDC Core §5.1) the operator may set.
 */
export function parseNewUserJson(body: unknown): NewUser {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  const { username, password, email } = body;
  if (typeof username !== 'string') throw new InvalidRequest(NEW_USER_MESSAGES.username);
  if (typeof password !== 'string') throw new InvalidRequest(NEW_USER_MESSAGES.password);
  if (email !== undefined && typeof email !== 'string') throw new InvalidRequest(NEW_USER_MESSAGES.email);
  const problem = newUserProblem({ username, password, email: email ?? null });
  if (problem) throw new InvalidRequest(NEW_USER_MESSAGES[problem]);
  const claims: UserClaims = {};
  for (const name of STRING_CLAIMS) {
    const v = body[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > 500) throw new InvalidRequest(`${name} must be a string`);
    claims[name] = v;
  }
  for (const flag of ['email_verified', 'phone_number_verified'] as const) {
    const v = body[flag];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new InvalidRequest(`${flag} must be a boolean`);
    claims[flag] = v;
  }
  if (body.address !== undefined) {
    if (!isObject(body.address)) throw new InvalidRequest('address must be an object');
    const address: NonNullable<UserClaims['address']> = {};
    for (const f of ADDRESS_FIELDS) {
      const v = body.address[f];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw new InvalidRequest(`address.${f} must be a string`);
      address[f] = v;
    }
    claims.address = address;
  }
  if (typeof email === 'string') {
    claims.email = email;
    claims.email_verified ??= false;
  }
  if (claims.name === undefined && (claims.given_name || claims.family_name)) {
    claims.name = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
  }
  claims.preferred_username ??= username;
  return { username, password, email: typeof email === 'string' ? email : null, claims };
}

