/** One pushed authorization request (RFC 9126 §2): the parameters as pushed, for one client. */
export interface PushedRequest {
  /** SHA-256 (base64url) of the request_uri's random part: the URI itself is never stored. */
  id: string;
  clientId: string;
  params: [string, string][];
  expiresAt: number;
}

/** The `pushed_requests` table (migration 0014). */
export class PushedRequestRepository {
  constructor(private readonly db: D1Database) {}

  async insert(r: PushedRequest): Promise<void> {
    await this.db
      .prepare('INSERT INTO pushed_requests (id, client_id, params, expires_at) VALUES (?, ?, ?, ?)')
      .bind(r.id, r.clientId, JSON.stringify(r.params), r.expiresAt)
      .run();
  }

  /**
   * The live request pushed under `id` by `clientId` (RFC 9126 §4), read without using it up: the
   * same request_uri may open the sign-in again (a reload, a second tab) until an authorization
   * response is issued for it (consumeStatements). A request pushed by another client, expired or
   * already used reads as absent.
   */
  async find(id: string, clientId: string, now: number): Promise<[string, string][] | null> {
    const row = await this.db
      .prepare('SELECT params FROM pushed_requests WHERE id = ? AND client_id = ? AND expires_at > ?')
      .bind(id, clientId, now)
      .first<{ params: string }>();
    return row ? (JSON.parse(row.params) as [string, string][]) : null;
  }

  /**
   * Uses the request up, as the first statements of the batch that issues its authorization
   * response: the row is deleted, and when nothing was deleted (another authorization already used
   * it) the second statement fails, so the whole batch is rolled back and nothing of that response
   * is written. Of any number of concurrent authorizations exactly one gets through (RFC 9126 §4,
   * §7.3: single use). `isConsumedError` recognises that failure.
   */
  consumeStatements(id: string): D1PreparedStatement[] {
    return [
      this.db.prepare('DELETE FROM pushed_requests WHERE id = ?').bind(id),
      // json() of a non-JSON text raises "malformed JSON": SQLite's way to abort a statement on a condition.
      this.db.prepare(`SELECT json(CASE WHEN changes() = 0 THEN '${CONSUMED_MARK}' ELSE '1' END)`),
    ];
  }

  /** Uses the request up on its own (an error response ended the authorization); nothing if already used. */
  async consume(id: string): Promise<void> {
    await this.db.prepare('DELETE FROM pushed_requests WHERE id = ?').bind(id).run();
  }
}

const CONSUMED_MARK = 'pushed request already used';

/** The failure of consumeStatements' guard: the pushed request had already been used. */
export const isConsumedError = (err: unknown): boolean => err instanceof Error && /malformed JSON/i.test(err.message);
