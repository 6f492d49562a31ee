import type { Context } from 'hono';
import { now } from '../config';
import type { AppEnv } from '../env';
import { clearOpCookie, readOpCookie, readSessionCookie, setOpCookie } from '../http/cookies';
import { SessionRepository, type HeldSession, type Session } from '../storage/sessions';
import { sessionLifetimes } from './config';

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

export function browserSessions(c: Context<AppEnv>): Promise<BrowserSessions> {
  let found = perRequest.get(c.req.raw);
  if (!found) {
    found = lookUp(c);
    perRequest.set(c.req.raw, found);
  }
  return found;
}

async function lookUp(c: Context<AppEnv>): Promise<BrowserSessions> {
  const cookie = readSessionCookie(c);
  const current = cookie !== undefined && SECRET.test(cookie) ? cookie : undefined;
  const secrets = [...new Set([...(current ? [current] : []), ...secretsIn(readOpCookie(c, REMEMBERED)), ...secretsIn(readOpCookie(c, RUN))])];
  const held = await new SessionRepository(c.env.DB).listByCookies(secrets, now());
  return { current: held.find((h) => h.cookie === current)?.session ?? null, held };
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
