import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'op_session';
export const INTERACTION_COOKIE = 'op_interaction';

/** Secure whenever the page itself is served over https (not for plain-http local development). */
const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:';

/** Without maxAge the cookie is a browser-session cookie (no "remember me"). */
export function setSessionCookie(c: Context, value: string, maxAge?: number): void {
  setCookie(c, SESSION_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c), ...(maxAge !== undefined ? { maxAge } : {}) });
}

export const readSessionCookie = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE);

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
}

/**
 * The interaction cookie is scoped to one interaction's path, so parallel sign-ins in several tabs
 * do not overwrite each other. Its value is the interaction's CSRF token (double-submit, also
 * checked against the hash stored with the interaction).
 */
export function setInteractionCookie(c: Context, interactionId: string, csrf: string, maxAge: number): void {
  setCookie(c, INTERACTION_COOKIE, csrf, { path: `/interaction/${interactionId}`, httpOnly: true, sameSite: 'Lax', secure: isHttps(c), maxAge });
}

export const readInteractionCookie = (c: Context): string | undefined => getCookie(c, INTERACTION_COOKIE);

export function clearInteractionCookie(c: Context, interactionId: string): void {
  deleteCookie(c, INTERACTION_COOKIE, { path: `/interaction/${interactionId}`, httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
}
