/** Which clients each session has signed in to: the relying parties to notify when it ends. */
export class SessionClientRepository {
  constructor(private readonly db: D1Database) {}

  /** Called whenever a code is issued to `clientId` for session `sid`. */
  async record(sid: string, clientId: string, at: number): Promise<void> {
    await this.recordStatement(sid, clientId, at).run();
  }

  /** The same upsert as a statement, for a batch with the other writes of the step. */
  recordStatement(sid: string, clientId: string, at: number): D1PreparedStatement {
    return this.db
      .prepare(
        `INSERT INTO session_clients (sid, client_id, first_at, last_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (sid, client_id) DO UPDATE SET last_at = excluded.last_at`,
      )
      .bind(sid, clientId, at);
  }

  async clientsOf(sid: string): Promise<string[]> {
    return SessionClientRepository.clientIdsOf(await this.clientsOfStatement(sid).all<{ client_id: string }>());
  }

  /** The same read as a statement (first in the batch that ends a session: read before the deletes, in one trip). */
  clientsOfStatement(sid: string): D1PreparedStatement {
    return this.db.prepare('SELECT client_id FROM session_clients WHERE sid = ? ORDER BY first_at').bind(sid);
  }

  static clientIdsOf(result: D1Result<unknown>): string[] {
    return (result.results as { client_id: string }[]).map((r) => r.client_id);
  }

  async forget(sid: string): Promise<void> {
    await this.forgetStatement(sid).run();
  }

  forgetStatement(sid: string): D1PreparedStatement {
    return this.db.prepare('DELETE FROM session_clients WHERE sid = ?').bind(sid);
  }

  /** The live sessions signed in to a client (the admin console), newest sign-in first, at most `limit`. */
  async liveSessionsOfClient(clientId: string, at: number, limit: number): Promise<{ sid: string; userId: string; authTime: number }[]> {
    const { results } = await this.db
      .prepare(
        `SELECT s.sid, s.user_id, s.auth_time FROM session_clients sc JOIN sessions s ON s.sid = sc.sid
         WHERE sc.client_id = ? AND s.expires_at > ? ORDER BY s.auth_time DESC LIMIT ?`,
      )
      .bind(clientId, at, limit)
      .all<{ sid: string; user_id: string; auth_time: number }>();
    return results.map((r) => ({ sid: r.sid, userId: r.user_id, authTime: r.auth_time }));
  }

  /** The clients any live session of the user has signed in to (the account page's app list). */
  async clientsOfUser(userId: string, at: number): Promise<string[]> {
    const { results } = await this.db
      .prepare(
        `SELECT DISTINCT sc.client_id FROM session_clients sc JOIN sessions s ON s.sid = sc.sid
         WHERE s.user_id = ? AND s.expires_at > ? ORDER BY sc.client_id`,
      )
      .bind(userId, at)
      .all<{ client_id: string }>();
    return results.map((r) => r.client_id);
  }
}
