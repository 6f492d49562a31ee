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
    await this.db
      .prepare(
        `INSERT INTO consents (user_id, client_id, scopes, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`,
      )
      .bind(userId, clientId, [...merged].sort().join(' '), at)
      .run();
  }
}
