/** Used client-assertion ids (RFC 7523 §3: a jti is accepted once), kept until the assertion expires. */
export class AssertionRepository {
  constructor(private readonly db: D1Database) {}

  /** Records the jti; false if this client used it before. Atomic: one of any concurrent claims wins. */
  async claim(clientId: string, jti: string, expiresAt: number): Promise<boolean> {
    const res = await this.db
      .prepare('INSERT INTO used_assertions (client_id, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .bind(clientId, jti, expiresAt)
      .run();
    return res.meta.changes > 0;
  }
}
