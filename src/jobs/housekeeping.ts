/**
 * Purges what has expired until every backlog is gone, so D1 stays bounded however far behind the
 * cron is: each purge deletes `batch` rows per statement and repeats while it finds more, and the
 * whole run stops at `budgetMs` of work (the next run resumes where this one stopped). Every
 * statement selects its rows through an index (test/workerd/storage/query_plans.test.ts).
 *
 * Not purged here because something else bounds them: consents of deleted users and clients go with
 * them (ON DELETE CASCADE, which D1 enforces); a session's session_clients rows go with the session
 * (trigger `sessions_forget_clients`); consumed-code tombstones and throttle counters live in
 * Durable Objects whose alarms delete them on time; a refresh token family is one row per grant
 * (src/storage/refresh_tokens.ts) and goes with it, so a late replay of any generation is still
 * recognised as theft while the grant lives.
 */
import { INTERACTION_LIFETIME } from '../config';
import { MAX_DELIVERY_SECONDS } from '../logout/retry_policy';

export const DEFAULT_BATCH = 1000;
/** About 20 s of work per invocation; a cron invocation may run 15 min, a D1 statement 30 s. */
export const DEFAULT_BUDGET_MS = 20_000;
/** How long finished back-channel logout deliveries stay visible to the operator. */
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;
/**
 * A client registered through open dynamic registration (REGISTRATION=open) that nobody has used
 * within this many days is removed: see ABANDONED_REGISTRATION below for what "used" means.
 */
export const ABANDONED_REGISTRATION_DAYS = 30;
/** The default of AUDIT_RETENTION_DAYS. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

/** One purge: a statement that changes at most `?2` rows; `?1` is the cut-off time it is given. */
interface Purge {
  name: string;
  sql: string;
  cutoff: (now: number, opts: PurgeOptions) => number;
  /** Only in some configurations. */
  when?: (opts: PurgeOptions) => boolean;
}

const expired = (table: string, extra = ''): Purge => ({
  name: table,
  sql: `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE expires_at <= ?1${extra} LIMIT ?2)`,
  cutoff: (now) => now,
});

/**
 * Dynamically registered clients older than the cut-off that have no grant (so never redeemed a
 * code or held a refresh token), no consent, are in no session's client list, and cannot use
 * client_credentials (whose tokens leave no row to tell use from non-use). Deleting a client
 * deletes its interactions, grants, consents and session_clients rows (ON DELETE CASCADE).
 */
const ABANDONED_REGISTRATION: Purge = {
  name: 'abandoned_registrations',
  sql: `DELETE FROM clients WHERE id IN (
          SELECT c.id FROM clients c INDEXED BY clients_registered
          WHERE c.registration_token_hash IS NOT NULL AND c.created_at <= ?1
            AND c.grant_types NOT LIKE '%"client_credentials"%'
            AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.client_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM consents k WHERE k.client_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM session_clients s WHERE s.client_id = c.id)
          LIMIT ?2)`,
  cutoff: (now) => now - ABANDONED_REGISTRATION_DAYS * 86400,
  when: (opts) => opts.registration === 'open',
};

export const PURGES: readonly Purge[] = [
  expired('interactions'),
  // Deleting a session deletes its session_clients rows (trigger sessions_forget_clients).
  expired('sessions'),
  // A grant outlives its refresh token family; deleting it deletes the family (ON DELETE CASCADE).
  expired('grants'),
  expired('revoked_access_tokens'),
  expired('used_assertions'),
  // Passkey challenges never answered (migration 0012).
  expired('webauthn_challenges'),
  // Pushed authorization requests (RFC 9126) never used: kept an interaction's lifetime past their
  // 60 s, since a sign-in opened in time uses its request up only when it ends (authorize/par.ts).
  { ...expired('pushed_requests'), cutoff: (now) => now - INTERACTION_LIFETIME },
  // Expired or used up (both columns indexed: SQLite's OR optimisation reads the two indexes).
  expired('initial_access_tokens', ' OR uses_left <= 0'),
  {
    // A delivery still `pending` after its whole retry window (its Durable Object was lost or
    // reset) will never be attempted again: recorded as failed, then kept like any finished one.
    name: 'stale_logout_deliveries',
    sql: `UPDATE logout_deliveries SET status = 'failed', last_error = 'no attempt within the retry window', next_attempt_at = NULL, updated_at = ?1 + ${MAX_DELIVERY_SECONDS + 3600}
          WHERE rowid IN (SELECT rowid FROM logout_deliveries WHERE created_at <= ?1 AND status = 'pending' LIMIT ?2)`,
    cutoff: (now) => now - MAX_DELIVERY_SECONDS - 3600,
  },
  {
    name: 'finished_logout_deliveries',
    sql: "DELETE FROM logout_deliveries WHERE rowid IN (SELECT rowid FROM logout_deliveries WHERE updated_at <= ?1 AND status != 'pending' LIMIT ?2)",
    cutoff: (now) => now - DELIVERY_RETENTION_SECONDS,
  },
  ABANDONED_REGISTRATION,
  {
    // The audit trail keeps AUDIT_RETENTION_DAYS (at least 1: the table refuses younger deletions).
    name: 'audit_events',
    sql: 'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at <= ?1 LIMIT ?2)',
    cutoff: (now, opts) => now - Math.max(1, opts.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 86400,
  },
];

export interface PurgeOptions {
  /** Rows per statement (default 1000). */
  batch?: number;
  /** Stop starting new statements after this much wall time (default 20 s); the next run resumes. */
  budgetMs?: number;
  /** The REGISTRATION setting: abandoned registrations are purged only when it is `open`. */
  registration?: string;
  /** AUDIT_RETENTION_DAYS. */
  auditRetentionDays?: number;
  /** For tests: the clock the budget is measured with. */
  clock?: () => number;
}

export interface PurgeReport {
  /** Rows removed (or, for stale deliveries, marked failed) per purge. */
  deleted: Record<string, number>;
  /** false when the budget ran out before every backlog was gone. */
  finished: boolean;
}

export async function purgeExpired(db: D1Database, now: number, opts: PurgeOptions = {}): Promise<PurgeReport> {
  const batch = opts.batch ?? DEFAULT_BATCH;
  const clock = opts.clock ?? Date.now;
  const deadline = clock() + (opts.budgetMs ?? DEFAULT_BUDGET_MS);
  const deleted: Record<string, number> = {};
  for (const purge of PURGES) {
    if (purge.when && !purge.when(opts)) continue;
    let changed = 0;
    for (;;) {
      deleted[purge.name] = changed;
      if (clock() >= deadline) return { deleted, finished: false };
      const res = await db.prepare(purge.sql).bind(purge.cutoff(now, opts), batch).run();
      changed += res.meta.changes;
      deleted[purge.name] = changed;
      if (res.meta.changes < batch) break;
    }
  }
  return { deleted, finished: true };
}
