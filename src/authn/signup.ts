import { now } from '../config';
import type { ThrottlePolicy } from '../durable/login_throttle';
import type { Bindings } from '../env';
import type { MessageKey } from '../i18n/messages';
import type { Params } from '../http/params';
import type { User } from '../storage/users';
import { createUser, newUserProblem } from './new_user';

/** Sign-ups per client IP (accounts created, or names found taken): 10 an hour. */
export const SIGNUP_POLICY: ThrottlePolicy = { maxFailures: 10, windowSeconds: 3600 };

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

export type SignupResult = { ok: true; user: User } | { ok: false; reason: MessageKey; retryAfter?: number };

/**
 * Creates the account. A username or email that is taken gets the same answer as one that is
 * reserved, without saying which or whose it is (no user enumeration beyond what sign-up must reveal).
 */
export async function signUp(env: Bindings, input: SignupInput, ip: string): Promise<SignupResult> {
  const problem = signupProblem(input);
  if (problem) return { ok: false, reason: problem };
  const at = now();
  const throttle = env.THROTTLE.get(env.THROTTLE.idFromName(`signup-ip:${ip}`));
  const state = await throttle.check(at, SIGNUP_POLICY);
  if (!state.allowed) return { ok: false, reason: 'signup.throttled', retryAfter: state.retryAfter };
  const result = await createUser(
    env.DB,
    {
      username: input.username,
      email: input.email,
      password: input.password,
      claims: {
        given_name: input.givenName,
        family_name: input.familyName,
        name: `${input.givenName} ${input.familyName}`,
        email: input.email,
        // The address was typed, not proven: email_verified stays false.
        email_verified: false,
      },
    },
    at,
  );
  // Every account created, and every name found taken (probing for accounts), counts against the
  // IP's hourly allowance.
  await throttle.recordFailure(at, SIGNUP_POLICY);
  return result.ok ? { ok: true, user: result.user } : { ok: false, reason: 'signup.taken' };
}
