/** Remembered consent decisions, one row per (user, client): the union of scopes ever approved. */
export class ConsentRepository {
  constructor(private readonly db: D1Database) {}

  async grantedScopes(userId: string, clientId: string): Promise<Set<string>> {
    const row = await this.db
      .prepare('SELECT scopes FROM consents WHERE user_id = ? AND client_id = ?')
      .bind(userId, clientId)
      .first<{ scopes: string }>();
    return new Set(row ? row.scopes.split(' ').filter(Boolean) : []);
  }

  async remember(userId: string, clientId: string, scopes: Iterable<string>, at: number): Promise<void> {
    const merged = new Set([...(await this.grantedScopes(userId, clientId)), ...scopes]);
    await this.rememberStatement(userId, clientId, merged, at).run();
  }

  /**
   * The upsert of a consent whose scopes the caller already merged with those granted before (read
   * in the same request): for a batch with the other writes of the step, with no second read.
   */
  rememberStatement(userId: string, clientId: string, scopes: Iterable<string>, at: number): D1PreparedStatement {
    return this.db
      .prepare(
        `INSERT INTO consents (user_id, client_id, scopes, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`,
      )
      .bind(userId, clientId, [...new Set(scopes)].sort().join(' '), at);
  }

  /** Every client the user has approved, with the scopes (the account page). */
  async listForUser(userId: string): Promise<{ clientId: string; scopes: string[]; updatedAt: number }[]> {
    const { results } = await this.db
      .prepare('SELECT client_id, scopes, updated_at FROM consents WHERE user_id = ? ORDER BY updated_at DESC')
      .bind(userId)
      .all<{ client_id: string; scopes: string; updated_at: number }>();
    return results.map((r) => ({ clientId: r.client_id, scopes: r.scopes.split(' ').filter(Boolean), updatedAt: r.updated_at }));
  }

  /** The users who approved a client, with the scopes (the admin console), newest first, at most `limit`. */
  async listForClient(clientId: string, limit: number): Promise<{ userId: string; username: string; scopes: string[]; updatedAt: number }[]> {
    const { results } = await this.db
      .prepare('SELECT c.user_id, u.username, c.scopes, c.updated_at FROM consents c JOIN users u ON u.id = c.user_id WHERE c.client_id = ? ORDER BY c.updated_at DESC LIMIT ?')
      .bind(clientId, limit)
      .all<{ user_id: string; username: string; scopes: string; updated_at: number }>();
    return results.map((r) => ({ userId: r.user_id, username: r.username, scopes: r.scopes.split(' ').filter(Boolean), updatedAt: r.updated_at }));
  }

  async forget(userId: string, clientId: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM consents WHERE user_id = ? AND client_id = ?').bind(userId, clientId).run();
    return res.meta.changes > 0;
  }
}
