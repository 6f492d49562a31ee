import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { readOpCookie, setOpCookie } from '../http/cookies';
import { sessionLifetimes } from './config';

/**
 * Read replication for the browser pages (D1 Sessions API). Each request of the sign-in pages,
 * authorize and logout opens one D1 session: its reads may be served by a nearby replica, its writes
 * go to the primary. Read-your-writes across this browser's requests comes from a bookmark cookie
 * (`op_bookmark`): the session starts at least as fresh as the last write this browser made (a new
 * session, a consent, a logout), so the page after a sign-in sees the session it created and a
 * logout is never undone by a lagging replica. Without the cookie the first read may come from any
 * replica ('first-unconstrained'); what may lag there is written by other browsers only (a session
 * ended from another device, a consent withdrawn on the account page), and only for the replica's
 * lag. Token-side checks never read from here.
 */
const BOOKMARK = 'op_bookmark';
/** D1 bookmarks are hex groups joined by '-'; anything else is ignored (never passed to D1). */
const BOOKMARK_SHAPE = /^[0-9a-fA-F-]{1,160}$/;

const perRequest = new WeakMap<Request, D1DatabaseSession>();

/** This request's D1 session: replica reads from the browser's bookmark on, writes to the primary. */
export function pageDb(c: Context<AppEnv>): D1Database {
  let session = perRequest.get(c.req.raw);
  if (!session) {
    const bookmark = readOpCookie(c, BOOKMARK);
    session = c.env.DB.withSession(bookmark && BOOKMARK_SHAPE.test(bookmark) ? bookmark : 'first-unconstrained');
    perRequest.set(c.req.raw, session);
  }
  // Repositories use prepare() and batch() only, which a session has.
  return session as unknown as D1Database;
}

/** After this request wrote through pageDb: the browser carries the bookmark, so its next pages read at least this. */
export function rememberWrites(c: Context<AppEnv>): void {
  const bookmark = perRequest.get(c.req.raw)?.getBookmark();
  if (bookmark && BOOKMARK_SHAPE.test(bookmark)) setOpCookie(c, BOOKMARK, bookmark, { sameSite: 'Lax', maxAge: sessionLifetimes(c.env).remembered });
}
