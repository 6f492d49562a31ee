import type { Context } from 'hono';
import { now } from '../config';
import type { AppEnv } from '../env';
import { readSessionCookie, setSessionCookie } from '../http/cookies';
import { SessionRepository, type HeldSession, type Session } from '../storage/sessions';
import { browserSessions, browserSessionsChanged, holdInBrowser } from './browser';
import { sessionLifetimes } from './config';
import { pageDb, rememberWrites } from './consistency';

/**
 * Starts (or renews) the browser's session for `userId` after a successful sign-in or sign-up.
 * The cookie value is always new and generated here (no session fixation). Signing in again as a
 * user who already has a session in this browser renews that session and keeps its `sid`; another
 * user gets a session of their own, and the previous account stays available in the account chooser.
 * "Remember me" makes the cookie persistent; otherwise it ends with the browser session. `amr`
 * (RFC 8176) records how the user signed in this time (a re-authentication replaces it). `authTime`:
 * when the user authenticated, if not now (a sign-in through an upstream provider: its auth_time).
 */
export async function signIn(c: Context<AppEnv>, userId: string, remembered: boolean, amr: string[] = ['pwd'], authTime?: number): Promise<Session> {
  const sessions = new SessionRepository(pageDb(c));
  const at = authTime ?? now();
  const current = now();
  const ttl = sessionLifetimes(c.env);
  const lifetime = remembered ? ttl.remembered : ttl.browser;
  const mine = await browserSessions(c);
  const sameUser =
    (mine.current?.userId === userId ? mine.held.find((h) => h.session.sid === mine.current!.sid) : undefined) ?? mine.held.find((h) => h.session.userId === userId);
  let result = sameUser ? await sessions.reauthenticate(sameUser.session.sid, at, current + lifetime, remembered, amr) : null;
  if (!result) {
    result = await sessions.create(userId, at, current + lifetime, { remembered, amr });
    // A cookie for a session that is no longer live (e.g. expired) is simply replaced.
    const stale = readSessionCookie(c);
    if (stale && !mine.current) await sessions.deleteByCookie(stale);
  }
  // The next page reads this browser's sessions from a replica: the bookmark makes it see this one.
  rememberWrites(c);
  holdInBrowser(c, mine, result);
  setSessionCookie(c, result.cookie, remembered ? lifetime : undefined);
  return result.session;
}

/**
 * Makes another of this browser's sessions the current one (account chooser). `held` must come from
 * browserSessions(): the browser proved it holds that session's secret.
 */
export function switchTo(c: Context<AppEnv>, held: HeldSession): void {
  const { session } = held;
  setSessionCookie(c, held.cookie, session.remembered ? Math.max(1, session.expiresAt - now()) : undefined);
  browserSessionsChanged(c);
}
