import type { Context } from 'hono';
import { now } from '../config';
import type { AppEnv } from '../env';
import { SessionRepository, type Session } from '../storage/sessions';
import { readSessionCookie } from './cookies';

/** The browser's current OP session, or null when it has none (or an expired or unknown cookie). */
export async function currentSession(c: Context<AppEnv>): Promise<Session | null> {
  const cookie = readSessionCookie(c);
  if (!cookie || cookie.length > 200) return null;
  return new SessionRepository(c.env.DB).findByCookie(cookie, now());
}
