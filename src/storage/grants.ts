export interface Grant {
  id: string;
  clientId: string;
  userId: string;
  sid: string | null;
  scope: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

interface GrantRow {
  id: string;
  client_id: string;
  user_id: string;
  sid: string | null;
  scope: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

const fromRow = (r: GrantRow): Grant => ({
  id: r.id,
  clientId: r.client_id,
  userId: r.user_id,
  sid: r.sid,
  scope: r.scope,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/**
 * A grant is the family of tokens issued from one code redemption. Tokens carry the grant id
 * (`gid`), so revoking the grant revokes every token in the family at the endpoints that accept them.
 */
export class GrantRepository {
  constructor(private readonly db: D1Database) {}

  async insert(grant: Omit<Grant, 'revokedAt'>): Promise<void> {
    await this.db
      .prepare('INSERT INTO grants (id, client_id, user_id, sid, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .bind(grant.id, grant.clientId, grant.userId, grant.sid, grant.scope, grant.createdAt, grant.expiresAt)
      .run();
  }

  async find(id: string): Promise<Grant | null> {
    const row = await this.db.prepare('SELECT * FROM grants WHERE id = ?').bind(id).first<GrantRow>();
    return row ? fromRow(row) : null;
  }

  async revoke(id: string, at: number): Promise<void> {
    await this.db.prepare('UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').bind(at, id).run();
  }
}
