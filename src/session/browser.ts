import type { Context } from 'hono';
import { now } from '../config';
import type { AppEnv } from '../env';
import { clearOpCookie, readOpCookie, readSessionCookie, setOpCookie } from '../http/cookies';
import { ConsentRepository } from '../storage/consents';
import { SessionRepository, type HeldSession, type Session } from '../storage/sessions';
import { UserRepository } from '../storage/users';
import { sessionLifetimes } from './config';
import { pageDb } from './consistency';

/**
 * The accounts signed in to this browser (the account chooser, prompt=select_account). The browser
 * holds the secret of each of its sessions, the session cookie value the server generated at
 * sign-in: remembered sessions in `op_browser` (persistent), the others in `op_run` (ending with the
 * browser session, like their own cookie), and the current one in `op_session`. A session belongs to
 * this browser only when the browser presents its secret: sessions are looked up by the secret's
 * SHA-256 (the primary key, as for `op_session` itself), so a planted or made-up value names no
 * session, a `sid` alone selects nothing, and no secret is ever compared byte by byte. A value the
 * browser sent is never adopted: only the secrets of live sessions found here are written back.
 */
const REMEMBERED = 'op_browser';
const RUN = 'op_run';
/** At most this many accounts per cookie (the newest are kept). */
const MAX_ACCOUNTS = 8;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

const secretsIn = (value: string | undefined): string[] => (value ?? '').split('.').filter((v) => SECRET.test(v)).slice(0, MAX_ACCOUNTS);

export interface BrowserSessions {
  /** The browser's current session (`op_session`), or null. */
  current: Session | null;
  /** Every live session whose secret this browser holds, the current one included, newest sign-in first. */
  held: HeldSession[];
}

/** One lookup per request: the current session and the others come from the same query. */
const perRequest = new WeakMap<Request, Promise<BrowserSessions>>();

/**
 * The browser's sessions. With `clientId` (the client of the request at hand), the first lookup of
 * the request also brings each session user's consent for that client and their username, in the
 * same query (see consentFor, usernameOf).
 */
export function browserSessions(c: Context<AppEnv>, clientId?: string): Promise<BrowserSessions> {
  let found = perRequest.get(c.req.raw);
  if (!found) {
    found = lookUp(c, clientId);
    perRequest.set(c.req.raw, found);
  }
  return found;
}

async function lookUp(c: Context<AppEnv>, clientId: string | undefined): Promise<BrowserSessions> {
  const cookie = readSessionCookie(c);
  const current = cookie !== undefined && SECRET.test(cookie) ? cookie : undefined;
  const secrets = [...new Set([...(current ? [current] : []), ...secretsIn(readOpCookie(c, REMEMBERED)), ...secretsIn(readOpCookie(c, RUN))])];
  const held = await new SessionRepository(pageDb(c)).listByCookies(secrets, now(), clientId);
  return { current: held.find((h) => h.cookie === current)?.session ?? null, held };
}

async function joinedFor(c: Context<AppEnv>, session: Session, clientId: string): Promise<HeldSession['joined'] | undefined> {
  const found = perRequest.get(c.req.raw);
  const joined = found ? (await found).held.find((h) => h.session.sid === session.sid)?.joined : undefined;
  return joined?.clientId === clientId ? joined : undefined;
}

/** The scopes the session's user consented to for the client: from this request's session lookup when it brought them, else one query. */
export async function consentFor(c: Context<AppEnv>, session: Session, clientId: string): Promise<Set<string>> {
  return (await joinedFor(c, session, clientId))?.consentedScopes ?? new ConsentRepository(pageDb(c)).grantedScopes(session.userId, clientId);
}

/** The session user's username: from this request's session lookup when it brought it, else one query. */
export async function usernameOf(c: Context<AppEnv>, session: Session, clientId: string): Promise<string> {
  const joined = await joinedFor(c, session, clientId);
  if (joined?.username != null) return joined.username;
  return (await new UserRepository(pageDb(c)).find(session.userId))?.username ?? '';
}

/**
 * After a sign-in: the browser holds the new (or renewed) session's secret, next to the secrets of
 * its other live sessions found by `before` (a renewed session's old secret is dropped). Anything
 * else the cookies carried goes.
 */
export function holdInBrowser(c: Context<AppEnv>, before: BrowserSessions, added: HeldSession): void {
  const all = [added, ...before.held.filter((h) => h.session.sid !== added.session.sid)];
  const write = (name: typeof REMEMBERED | typeof RUN, remembered: boolean, maxAge?: number) => {
    const secrets = all.filter((h) => (h.session.remembered ?? false) === remembered).slice(0, MAX_ACCOUNTS).map((h) => h.cookie);
    if (secrets.length > 0) setOpCookie(c, name, secrets.join('.'), { sameSite: 'Lax', maxAge });
    else if (readOpCookie(c, name) !== undefined) clearOpCookie(c, name);
  };
  // Re-set every time, so the remembered list lives as long as its newest session.
  write(REMEMBERED, true, sessionLifetimes(c.env).remembered);
  write(RUN, false);
  perRequest.delete(c.req.raw);
}

/** Forgets this request's lookup (the browser's sessions changed). */
export const browserSessionsChanged = (c: Context<AppEnv>): void => void perRequest.delete(c.req.raw);
