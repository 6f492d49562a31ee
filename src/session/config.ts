import { lifetimes } from '../config';
import type { Bindings } from '../env';
import { settings } from '../settings';

/** Self-service sign-up (and prompt=create) is off unless SIGNUP=on. */
export const signupEnabled = (env: Bindings): boolean => settings(env).signup;

/** Passkeys (sign-in, passwordless sign-up, account page, acr phr) are on unless PASSKEYS=off. */
export const passkeysEnabled = (env: Bindings): boolean => settings(env).passkeys;

export interface SessionLifetimes {
  /** "Remember me": the cookie's Max-Age and the session's server-side lifetime (SESSION_TTL). */
  remembered: number;
  /** Without "remember me": a browser-session cookie; the server forgets the session after this at the latest. */
  browser: number;
}

export function sessionLifetimes(env: Bindings): SessionLifetimes {
  const remembered = lifetimes(env).session;
  return { remembered, browser: Math.min(remembered, settings(env).browserSessionTtl) };
}
