import { now } from '../config';
import { hashPassword, passwordPepper } from '../crypto/password';
import type { Bindings } from '../env';
import type { MessageKey } from '../messages';
import type { Params } from '../http/params';
import { UserRepository, type User } from '../storage/users';
import { SIGNUP_IP } from '../throttle/limits';
import { throttleFor } from '../throttle/store';

export interface SignupInput {
  username: string;
  email: string;
  givenName: string;
  familyName: string;
  password: string;
  passwordConfirm: string;
}

/** A few of the most common passwords of at least 10 characters (the length rule removes the rest). */
const COMMON = new Set([
  '1234567890', '0123456789', '1111111111', '0000000000', 'qwertyuiop', 'password12', 'password123', 'password1234',
  '1q2w3e4r5t', 'qwerty1234', 'iloveyou12', 'abcdefghij', 'abc1234567', 'passwordpassword', 'letmein123', 'welcome123',
]);

/**
 * The strength rule: at least 10 characters (NIST SP 800-63B §5.1.1.2 asks for 8 or more and no
 * composition rules), at most 1024, not the username or email, not one repeated character and not
 * a common password.
 */
export function passwordProblem(password: string, username: string, email: string): boolean {
  const lower = password.toLowerCase();
  if (password.length < 10 || password.length > 1024) return true;
  if (lower === username.toLowerCase() || lower === email.toLowerCase() || lower.includes(username.toLowerCase())) return true;
  if (/^(.)\1*$/.test(password)) return true;
  return COMMON.has(lower);
}

export const readSignupForm = (form: Params): SignupInput => ({
  username: (form.get('username') ?? '').trim(),
  email: (form.get('email') ?? '').trim(),
  givenName: (form.get('given_name') ?? '').trim(),
  familyName: (form.get('family_name') ?? '').trim(),
  password: form.get('password') ?? '',
  passwordConfirm: form.get('password_confirm') ?? '',
});

/** The first problem with the form, as a message key, or null. */
export function signupProblem(i: SignupInput): MessageKey | null {
  if (!/^[A-Za-z0-9._-]{3,64}$/.test(i.username)) return 'signup.badUsername';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(i.email) || i.email.length > 254) return 'signup.badEmail';
  if (!i.givenName || !i.familyName || i.givenName.length > 100 || i.familyName.length > 100) return 'signup.badName';
  if (i.password !== i.passwordConfirm) return 'signup.mismatch';
  if (passwordProblem(i.password, i.username, i.email)) return 'signup.weak';
  return null;
}

export type SignupResult = { ok: true; user: User } | { ok: false; reason: MessageKey; retryAfter?: number };

/**
 * Creates the account. A username or email that is taken gets the same answer as one that is
 * reserved, without saying which or whose it is (no user enumeration beyond what sign-up must reveal).
 */
export async function signUp(env: Bindings, input: SignupInput, ip: string): Promise<SignupResult> {
  const problem = signupProblem(input);
  if (problem) return { ok: false, reason: problem };
  const at = now();
  // Every attempt that gets this far (an account created, or a name found taken: probing for
  // accounts) counts against the IP's hourly allowance, checked and counted in one atomic step so
  // parallel requests cannot overspend it (limits.ts SIGNUP_IP).
  const reserved = await throttleFor(env, `signup:${ip}`).take(at, [{ key: 'ip', policy: SIGNUP_IP }]);
  if (!reserved.allowed) return { ok: false, reason: 'signup.throttled', retryAfter: reserved.retryAfter };
  const user: User = {
    id: crypto.randomUUID(),
    username: input.username,
    email: input.email,
    passwordHash: await hashPassword(input.password, passwordPepper(env)),
    claims: {
      given_name: input.givenName,
      family_name: input.familyName,
      name: `${input.givenName} ${input.familyName}`,
      email: input.email,
      // The address was typed, not proven: email_verified stays false.
      email_verified: false,
      preferred_username: input.username,
    },
    updatedAt: at,
    createdAt: at,
  };
  const users = new UserRepository(env.DB);
  // Sign-in accepts a username or an email, so neither may collide with either of someone else's.
  const clash = (await users.findByLogin(input.username)) ?? (await users.findByLogin(input.email));
  const created = !clash && (await users.insert(user));
  return created ? { ok: true, user } : { ok: false, reason: 'signup.taken' };
}
