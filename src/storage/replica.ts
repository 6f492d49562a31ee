/**
 * Issue 10: D1 read replication through the Sessions API (`withSession`), with a bound on lag.
 *
 * Reads that may be a little behind (userinfo's grant and user, introspection) run on a session
 * anchored at a primary bookmark this isolate learnt at most REPLICA_STALENESS_SECONDS ago: D1
 * serves such a session only from a replica at least as current as the bookmark, so the answer
 * reflects every write committed before the moment the bookmark was learnt. When the isolate has
 * no bookmark that recent (cold, or idle), the session starts 'first-primary' and its bookmark is
 * learnt from that query. Busy isolates refresh the bookmark in the background (`waitUntil`) before
 * it ages out, so their reads never wait for the primary. Writes made in this isolate through
 * `primarySession` (revocation) advance the bookmark at once: read-your-writes in the isolate.
 *
 * Callers treat only a POSITIVE replica answer as final (a live grant, an active token): a negative
 * one is asked again of the primary, because a grant written after the bookmark (a token issued a
 * moment ago, maybe by another isolate) is not on the replica yet.
 */
export const REPLICA_STALENESS_SECONDS = 60;
/** A busy isolate refreshes its bookmark once it is this old, in the background. */
const REFRESH_AFTER_MS = 20_000;

let known: { bookmark: string; at: number } | undefined;
let refreshing = false;

/** Remembers the primary's bookmark, learnt from a query that started at `startedAtMs`. */
function learn(session: D1DatabaseSession, startedAtMs: number): void {
  const bookmark = session.getBookmark();
  if (bookmark && (!known || startedAtMs >= known.at)) known = { bookmark, at: startedAtMs };
}

/** The bookmark, when recent enough to bound staleness (tests and the bench read it). */
export const freshBookmark = (nowMs: number = Date.now()): string | undefined =>
  known && nowMs - known.at < REPLICA_STALENESS_SECONDS * 1000 ? known.bookmark : undefined;

/** Forgets the bookmark (tests). */
export function forgetBookmark(): void {
  known = undefined;
}

/**
 * Runs `read` on a replica session whose data is at most REPLICA_STALENESS_SECONDS behind the
 * primary (or on the primary first, when this isolate knows no recent bookmark).
 */
export async function readFromReplica<T>(db: D1Database, read: (session: D1DatabaseSession) => Promise<T>, nowMs: number = Date.now()): Promise<T> {
  const bookmark = freshBookmark(nowMs);
  const session = db.withSession(bookmark ?? 'first-primary');
  const result = await read(session);
  if (!bookmark) learn(session, nowMs);
  return result;
}

/** A session for a write on the primary whose bookmark this isolate's later replica reads must include. */
export function primarySession(db: D1Database): { session: D1DatabaseSession; done: () => void } {
  const startedAt = Date.now();
  const session = db.withSession('first-primary');
  return { session, done: () => learn(session, startedAt) };
}

/**
 * Keeps a busy isolate's bookmark recent: when it is older than REFRESH_AFTER_MS, one light query
 * on the primary runs after the response (`waitUntil`), so replica reads never wait for the primary.
 */
export function keepBookmarkFresh(db: D1Database, waitUntil: (p: Promise<unknown>) => void, nowMs: number = Date.now()): void {
  if (refreshing || (known && nowMs - known.at < REFRESH_AFTER_MS)) return;
  refreshing = true;
  const session = db.withSession('first-primary');
  waitUntil(
    session
      .prepare('SELECT 1')
      .first()
      .then(
        () => learn(session, nowMs),
        () => undefined,
      )
      .finally(() => {
        refreshing = false;
      }),
  );
}
