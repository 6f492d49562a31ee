/**
 * Purges what has expired, in bounded batches, so D1 does not grow without limit. Consumed-code
 * tombstones and throttle counters live in Durable Objects whose alarms delete them on time.
 */
const BATCH = 500;
const MAX_ROUNDS = 20;

/** Each statement deletes at most BATCH expired rows; `?1` is the current time. */
const PURGES: Record<string, string> = {
  sessions: 'DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE expires_at <= ?1 LIMIT ?2)',
  interactions: 'DELETE FROM interactions WHERE rowid IN (SELECT rowid FROM interactions WHERE expires_at <= ?1 LIMIT ?2)',
  // Rotated refresh tokens stay until their grant goes: a late reuse must still be recognised as theft.
  refresh_tokens: 'DELETE FROM refresh_tokens WHERE rowid IN (SELECT rowid FROM refresh_tokens WHERE expires_at <= ?1 AND rotated_at IS NULL LIMIT ?2)',
  // A grant outlives all its tokens; deleting it deletes its refresh tokens (ON DELETE CASCADE).
  grants: 'DELETE FROM grants WHERE rowid IN (SELECT rowid FROM grants WHERE expires_at <= ?1 LIMIT ?2)',
  revoked_access_tokens: 'DELETE FROM revoked_access_tokens WHERE rowid IN (SELECT rowid FROM revoked_access_tokens WHERE expires_at <= ?1 LIMIT ?2)',
  used_assertions: 'DELETE FROM used_assertions WHERE rowid IN (SELECT rowid FROM used_assertions WHERE expires_at <= ?1 LIMIT ?2)',
};

export async function purgeExpired(db: D1Database, now: number): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const [table, sql] of Object.entries(PURGES)) {
    deleted[table] = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const res = await db.prepare(sql).bind(now, BATCH).run();
      deleted[table] += res.meta.changes;
      if (res.meta.changes < BATCH) break;
    }
  }
  return deleted;
}
