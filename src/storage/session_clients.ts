/** Which clients each session has signed in to: the relying parties to notify when it ends. */
export class SessionClientRepository {
  constructor(private readonly db: D1Database) {}

  /** Called whenever a code is issued to `clientId` for session `sid`. */
  async record(sid: string, clientId: string, at: number): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO session_clients (sid, client_id, first_at, last_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (sid, client_id) DO UPDATE SET last_at = excluded.last_at`,
      )
      .bind(sid, clientId, at)
      .run();
  }

  async clientsOf(sid: string): Promise<string[]> {
    const { results } = await this.db.prepare('SELECT client_id FROM session_clients WHERE sid = ? ORDER BY first_at').bind(sid).all<{ client_id: string }>();
    return results.map((r) => r.client_id);
  }

  async forget(sid: string): Promise<void> {
    await this.db.prepare('DELETE FROM session_clients WHERE sid = ?').bind(sid).run();
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
