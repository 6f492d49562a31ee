import { lifetimes } from '../config';
import type { Bindings } from '../env';

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Self-service sign-up (and prompt=create) is off unless SIGNUP=on (`npm run dev` turns it on for the demo). */
export const signupEnabled = (env: Bindings): boolean => (env.SIGNUP ?? '').trim().toLowerCase() === 'on';

export interface SessionLifetimes {
  /** "Remember me": the cookie's Max-Age and the session's server-side lifetime (SESSION_TTL). */
  remembered: number;
  /** Without "remember me": a browser-session cookie; the server forgets the session after this at the latest. */
  browser: number;
}

export function sessionLifetimes(env: Bindings): SessionLifetimes {
  const remembered = lifetimes(env).session;
  return { remembered, browser: Math.min(remembered, seconds(env.BROWSER_SESSION_TTL, 24 * 3600)) };
}
