import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { AppEnv } from '../env';
import { sessionLifetimes } from './config';

/**
 * Which sessions belong to this browser, for the account chooser (prompt=select_account):
 * `op_browser` is a persistent random id that remembered sessions are tied to, `op_run` a
 * browser-session id for the others, so a session without "remember me" disappears from the
 * chooser when the browser closes, like its cookie. Only their SHA-256 is stored (sessions.browser_hash).
 */
export const BROWSER_COOKIE = 'op_browser';
export const RUN_COOKIE = 'op_run';

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:';
const valid = (v: string | undefined): v is string => v !== undefined && /^[A-Za-z0-9_-]{43}$/.test(v);

/** The hashes of this browser's ids (none, one or both). */
export async function browserHashes(c: Context<AppEnv>): Promise<string[]> {
  const values = [getCookie(c, BROWSER_COOKIE), getCookie(c, RUN_COOKIE)].filter(valid);
  return Promise.all(values.map((v) => sha256Base64url(v)));
}

/** The hash a new session of this browser is tied to; sets the cookie when the browser has none yet. */
export async function browserHashFor(c: Context<AppEnv>, remembered: boolean): Promise<string> {
  const name = remembered ? BROWSER_COOKIE : RUN_COOKIE;
  let value = getCookie(c, name);
  if (!valid(value)) value = randomToken(32);
  const maxAge = remembered ? sessionLifetimes(c.env).remembered : undefined;
  // Re-set every time, so a remembered browser id lives as long as its newest session.
  setCookie(c, name, value, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c), ...(maxAge ? { maxAge } : {}) });
  return sha256Base64url(value);
}
