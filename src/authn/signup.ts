import { now } from '../config';
import type { Bindings } from '../env';
import type { MessageKey } from '../messages';
import type { Params } from '../http/params';
import { PasskeyRepository, type Passkey } from '../storage/passkeys';
import { UserRepository, type User } from '../storage/users';
import { SIGNUP_IP } from '../throttle/limits';
import { throttleFor } from '../throttle/store';
import { createUser, newUserProblem } from './new_user';

export interface SignupInput {
  username: string;
  email: string;
  givenName: string;
  familyName: string;
  password: string;
  passwordConfirm: string;
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
  // The username, email and password rules are those of every new user (authn/new_user.ts).
  const problem = newUserProblem({ username: i.username, email: i.email, password: i.password });
  if (problem === 'username') return 'signup.badUsername';
  if (problem === 'email' || i.email === '') return 'signup.badEmail';
  if (!i.givenName || !i.familyName || i.givenName.length > 100 || i.familyName.length > 100) return 'signup.badName';
  if (i.password !== i.passwordConfirm) return 'signup.mismatch';
  if (problem === 'password') return 'signup.weak';
  return null;
}

/** The first problem with the form of a passkey sign-up (no password), as a message key, or null. */
export function passkeySignupProblem(i: SignupInput): MessageKey | null {
  const problem = newUserProblem({ username: i.username, email: i.email, password: null });
  if (problem === 'username') return 'signup.badUsername';
  if (problem === 'email' || i.email === '') return 'signup.badEmail';
  if (!i.givenName || !i.familyName || i.givenName.length > 100 || i.familyName.length > 100) return 'signup.badName';
  return null;
}

export type SignupResult = { ok: true; user: User } | { ok: false; reason: MessageKey; retryAfter?: number };

/**
 * Every sign-up attempt that gets past the form checks (an account created, or a name found taken:
 * probing for accounts) counts against the IP's hourly allowance, checked and counted in one atomic
 * step so parallel requests cannot overspend it (limits.ts SIGNUP_IP). Null when allowed.
 */
async function reserveSignup(env: Bindings, ip: string, at: number): Promise<SignupResult | null> {
  const reserved = await throttleFor(env, `signup:${ip}`).take(at, [{ key: 'ip', policy: SIGNUP_IP }]);
  return reserved.allowed ? null : { ok: false, reason: 'signup.throttled', retryAfter: reserved.retryAfter };
}

/** The standard claims a sign-up form gives; the address was typed, not proven: email_verified stays false. */
const signupClaims = (input: SignupInput) => ({
  given_name: input.givenName,
  family_name: input.familyName,
  name: `${input.givenName} ${input.familyName}`,
  email: input.email,
  email_verified: false,
});

/**
 * Creates the account. A username or email that is taken gets the same answer as one that is
 * reserved, without saying which or whose it is (no user enumeration beyond what sign-up must reveal).
 */
export async function signUp(env: Bindings, input: SignupInput, ip: string): Promise<SignupResult> {
  const problem = signupProblem(input);
  if (problem) return { ok: false, reason: problem };
  const at = now();
  const throttled = await reserveSignup(env, ip, at);
  if (throttled) return throttled;
  const result = await createUser(env, { username: input.username, email: input.email, password: input.password, claims: signupClaims(input) }, at);
  return result.ok ? { ok: true, user: result.user } : { ok: false, reason: 'signup.taken' };
}

/**
 * Creates a passkey-only account (no password) with its first passkey, already verified against
 * the registration challenge that named `passkey.userId`. Throttled like every sign-up. The user
 * and the passkey are written together: if the passkey cannot be stored, the user is removed again.
 */
export async function signUpWithPasskey(env: Bindings, input: SignupInput, ip: string, passkey: Passkey): Promise<SignupResult> {
  const problem = passkeySignupProblem(input);
  if (problem) return { ok: false, reason: problem };
  const at = now();
  const throttled = await reserveSignup(env, ip, at);
  if (throttled) return throttled;
  const result = await createUser(env, { id: passkey.userId, username: input.username, email: input.email, password: null, claims: signupClaims(input) }, at);
  if (!result.ok) return { ok: false, reason: 'signup.taken' };
  if (!(await new PasskeyRepository(env.DB).insert(passkey))) {
    await new UserRepository(env.DB).delete(result.user.id);
    return { ok: false, reason: 'signup.taken' };
  }
  return { ok: true, user: result.user };
}
