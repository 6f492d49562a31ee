import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../env';

/**
 * Every cookie of the OP, by its base name. On https each one is sent as `__Host-<name>` with
 * `Secure; Path=/` and no `Domain` (RFC 6265bis §4.1.3.2): a sibling subdomain or a plain-http
 * response cannot set or overwrite it. On http (loopback development only) the plain name is used,
 * without `Secure`. All are HttpOnly.
 */
export type CookieName = 'op_session' | 'op_browser' | 'op_run' | 'op_logout' | 'op_bookmark' | `op_interaction_${string}` | 'op_console' | 'op_console_login';

export const SESSION_COOKIE = 'op_session';

/** https when the issuer (or, before it is known, the request) is: then every cookie is a __Host- cookie. */
export function secureCookies(c: Context<AppEnv>): boolean {
  const issuer = c.get('issuer') as string | undefined;
  return (issuer ?? c.req.url).startsWith('https:');
}

/** The name a cookie is sent under: `__Host-<name>` on https, `<name>` on http. */
export const cookieName = (c: Context<AppEnv>, name: CookieName): string => (secureCookies(c) ? `__Host-${name}` : name);

export interface CookieOptions {
  sameSite: 'Lax' | 'Strict';
  /** Seconds; without it the cookie ends with the browser session. */
  maxAge?: number;
}

export function setOpCookie(c: Context<AppEnv>, name: CookieName, value: string, opts: CookieOptions): void {
  setCookie(c, cookieName(c, name), value, {
    path: '/',
    httpOnly: true,
    secure: secureCookies(c),
    sameSite: opts.sameSite,
    ...(opts.maxAge !== undefined ? { maxAge: opts.maxAge } : {}),
  });
}

export const readOpCookie = (c: Context<AppEnv>, name: CookieName): string | undefined => getCookie(c, cookieName(c, name));

export function clearOpCookie(c: Context<AppEnv>, name: CookieName, sameSite: CookieOptions['sameSite'] = 'Lax'): void {
  deleteCookie(c, cookieName(c, name), { path: '/', httpOnly: true, secure: secureCookies(c), sameSite });
}

/** Without maxAge the cookie is a browser-session cookie (no "remember me"). */
export function setSessionCookie(c: Context<AppEnv>, value: string, maxAge?: number): void {
  setOpCookie(c, SESSION_COOKIE, value, { sameSite: 'Lax', maxAge });
}

export const readSessionCookie = (c: Context<AppEnv>): string | undefined => readOpCookie(c, SESSION_COOKIE);

export const clearSessionCookie = (c: Context<AppEnv>): void => clearOpCookie(c, SESSION_COOKIE);

const INTERACTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * One cookie per interaction (`op_interaction_<id>`), so parallel sign-ins in several tabs do not
 * overwrite each other while every cookie keeps `Path=/`. Its value is the interaction's CSRF token
 * (double submit, also checked against the hash stored with the interaction).
 */
export function setInteractionCookie(c: Context<AppEnv>, interactionId: string, csrf: string, maxAge: number): void {
  setOpCookie(c, `op_interaction_${interactionId}`, csrf, { sameSite: 'Lax', maxAge });
}

export const readInteractionCookie = (c: Context<AppEnv>, interactionId: string): string | undefined =>
  INTERACTION_ID.test(interactionId) ? readOpCookie(c, `op_interaction_${interactionId}`) : undefined;

export function clearInteractionCookie(c: Context<AppEnv>, interactionId: string): void {
  clearOpCookie(c, `op_interaction_${interactionId}`);
}
