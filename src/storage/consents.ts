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

  async forget(userId: string, clientId: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM consents WHERE user_id = ? AND client_id = ?').bind(userId, clientId).run();
    return res.meta.changes > 0;
  }
}
