import type { Context } from 'hono';
import { now } from '../config';
import type { AppEnv } from '../env';
import { readSessionCookie, setSessionCookie } from '../http/cookies';
import { currentSession } from '../http/session';
import { SessionRepository, type Session } from '../storage/sessions';
import { browserHashFor, browserHashes } from './browser';
import { sessionLifetimes } from './config';

/**
 * Starts (or renews) the browser's session for `userId` after a successful sign-in or sign-up.
 * The cookie value is always new (no session fixation). Signing in again as a user who already
 * has a session in this browser renews that session and keeps its `sid`; another user gets a
 * session of their own, and the previous account stays available in the account chooser.
 * "Remember me" makes the cookie persistent; otherwise it ends with the browser session.
 */
export async function signIn(c: Context<AppEnv>, userId: string, remembered: boolean): Promise<Session> {
  const sessions = new SessionRepository(c.env.DB);
  const at = now();
  const ttl = sessionLifetimes(c.env);
  const lifetime = remembered ? ttl.remembered : ttl.browser;
  const previousHashes = await browserHashes(c);
  const browserHash = await browserHashFor(c, remembered);
  const current = await currentSession(c);
  const sameUser = current?.userId === userId ? current : (await sessions.listForBrowser(previousHashes, at)).find((s) => s.userId === userId);
  let result = sameUser ? await sessions.reauthenticate(sameUser.sid, at, at + lifetime, remembered, browserHash) : null;
  if (!result) {
    result = await sessions.create(userId, at, at + lifetime, { remembered, browserHash });
    // A cookie for a session that is no longer in this browser's list (e.g. expired) is simply replaced.
    const stale = readSessionCookie(c);
    if (stale && !current) await sessions.deleteByCookie(stale);
  }
  setSessionCookie(c, result.cookie, remembered ? lifetime : undefined);
  return result.session;
}

/** Makes another of this browser's sessions the current one (account chooser). */
export async function switchTo(c: Context<AppEnv>, session: Session): Promise<void> {
  const cookie = await new SessionRepository(c.env.DB).rotateCookie(session.sid);
  setSessionCookie(c, cookie, session.remembered ? Math.max(1, session.expiresAt - now()) : undefined);
}
