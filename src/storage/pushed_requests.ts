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
   * Takes the request for `clientId` if it is still live, deleting it in the same statement: of
   * any number of concurrent takes exactly one gets the parameters (RFC 9126 §4: single use).
   * A request pushed by another client is left alone and reads as absent.
   */
  async take(id: string, clientId: string, now: number): Promise<[string, string][] | null> {
    const row = await this.db
      .prepare('DELETE FROM pushed_requests WHERE id = ? AND client_id = ? AND expires_at > ? RETURNING params')
      .bind(id, clientId, now)
      .first<{ params: string }>();
    return row ? (JSON.parse(row.params) as [string, string][]) : null;
  }
}
