export interface Grant {
  id: string;
  clientId: string;
  userId: string;
  sid: string | null;
  scope: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** OIDC Core §5.5: the userinfo member of the claims request parameter (JSON), if any. */
  userinfoClaims?: string | null;
  authTime: number | null;
  amr: string[];
  /** RFC 8707 (migration 0017): the API the grant's access tokens are for, when one was named. */
  resource?: string | null;
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
  userinfo_claims?: string | null;
  auth_time: number | null;
  amr: string | null;
  resource?: string | null;
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
  userinfoClaims: r.userinfo_claims ?? null,
  authTime: r.auth_time,
  amr: r.amr ? (JSON.parse(r.amr) as string[]) : ['pwd'],
  resource: r.resource ?? null,
});

export type NewGrant = Omit<Grant, 'revokedAt'>;

/**
 * A grant is the family of tokens issued from one code redemption. Tokens carry the grant id
 * (`gid`), so revoking the grant revokes every token in the family at the endpoints that accept them.
 */
export class GrantRepository {
  constructor(private readonly db: D1Database | D1DatabaseSession) {}

  /**
   * Records a new grant. A row with that id can already exist only when a concurrent replay of the
   * same code got there first and recorded it revoked; that row is kept.
   */
  async insert(grant: NewGrant): Promise<void> {
    await this.insertStatement(grant).run();
  }

  /**
   * The insert, for a batch that writes a grant and what goes with it at once. A row already there
   * (a replay's revocation written first, see revokeOrPreempt) is kept as it is.
   */
  insertStatement(grant: NewGrant, userinfoClaims: string | null = null): D1PreparedStatement {
    return this.db
      .prepare(
        'INSERT INTO grants (id, client_id, user_id, sid, scope, created_at, expires_at, auth_time, amr, userinfo_claims, resource) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      )
      .bind(grant.id, grant.clientId, grant.userId, grant.sid, grant.scope, grant.createdAt, grant.expiresAt, grant.authTime, JSON.stringify(grant.amr), userinfoClaims, grant.resource ?? null);
  }

  /**
   * Like `insertStatement`, but written only while its user and client exist: for the batch of a
   * code redemption that reads the user in the same transaction (issue 10: one primary round trip),
   * so a user deleted meanwhile leaves nothing written.
   */
  insertIfLiveStatement(grant: NewGrant, userinfoClaims: string | null = null): D1PreparedStatement {
    return this.db
      .prepare(
        `INSERT INTO grants (id, client_id, user_id, sid, scope, created_at, expires_at, auth_time, amr, userinfo_claims, resource)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
         WHERE EXISTS (SELECT 1 FROM users WHERE id = ?3) AND EXISTS (SELECT 1 FROM clients WHERE id = ?2)
         ON CONFLICT (id) DO NOTHING`,
      )
      .bind(grant.id, grant.clientId, grant.userId, grant.sid, grant.scope, grant.createdAt, grant.expiresAt, grant.authTime, JSON.stringify(grant.amr), userinfoClaims, grant.resource ?? null);
  }

  /** Whether the grant row exists, for the end of a batch that wrote it conditionally. */
  existsStatement(id: string): D1PreparedStatement {
    return this.db.prepare('SELECT 1 AS found FROM grants WHERE id = ?').bind(id);
  }

  /**
   * Revokes a grant whether or not its row has been written yet: a replay can overtake the first
   * redemption between the Durable Object's consumption of the code and the grant insert, so the
   * revocation is written as a row of its own that the later insert then finds.
   */
  async revokeOrPreempt(grant: NewGrant, at: number): Promise<void> {
    await this.db
      .prepare(
        // The EXISTS guards skip the write when the user or client is gone (nothing left to revoke).
        `INSERT INTO grants (id, client_id, user_id, sid, scope, created_at, expires_at, revoked_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
         WHERE EXISTS (SELECT 1 FROM users WHERE id = ?3) AND EXISTS (SELECT 1 FROM clients WHERE id = ?2)
         ON CONFLICT (id) DO UPDATE SET revoked_at = COALESCE(grants.revoked_at, excluded.revoked_at)`,
      )
      .bind(grant.id, grant.clientId, grant.userId, grant.sid, grant.scope, grant.createdAt, grant.expiresAt, at)
      .run();
  }

  async find(id: string): Promise<Grant | null> {
    const row = await this.db.prepare('SELECT * FROM grants WHERE id = ?').bind(id).first<GrantRow>();
    return row ? fromRow(row) : null;
  }

  /** Keeps the userinfo claims the authorization request asked for with the grant (OIDC Core §5.5). */
  async setUserinfoClaims(id: string, claims: string): Promise<void> {
    await this.db.prepare('UPDATE grants SET userinfo_claims = ? WHERE id = ?').bind(claims, id).run();
  }

  /**
   * At logout: revokes the grants issued in session `sid`, except those with offline_access
   * (Back-Channel Logout 1.0 §2.7: refresh tokens without offline_access SHOULD be revoked at
   * logout, those with it normally SHOULD NOT). The grants' access tokens stop working with them.
   */
  async revokeForSessionLogout(sid: string, at: number): Promise<number> {
    const res = await this.revokeForSessionLogoutStatement(sid, at).run();
    return res.meta.changes;
  }

  /** The same revocation as a statement, for the one batch that ends a session (logout/end_session.ts). */
  revokeForSessionLogoutStatement(sid: string, at: number): D1PreparedStatement {
    return this.db
      .prepare("UPDATE grants SET revoked_at = ? WHERE sid = ? AND revoked_at IS NULL AND (' ' || scope || ' ') NOT LIKE '% offline_access %'")
      .bind(at, sid);
  }

  /** Revokes every grant of a user for a client (the user removed the client's access). */
  async revokeForUserAndClient(userId: string, clientId: string, at: number): Promise<number> {
    const res = await this.db.prepare('UPDATE grants SET revoked_at = ? WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL').bind(at, userId, clientId).run();
    return res.meta.changes;
  }

  /**
   * Revokes the grant of a refresh token family, when the family belongs to `clientId` and the
   * token's generation is one the family reached: one statement (RFC 7009 §2.1, issue 10).
   */
  async revokeFamilyOf(familyId: string, generation: number, clientId: string, at: number): Promise<void> {
    await this.db
      .prepare(
        `UPDATE grants SET revoked_at = ?1 WHERE revoked_at IS NULL
           AND id = (SELECT grant_id FROM refresh_token_families WHERE id = ?2 AND client_id = ?3 AND generation >= ?4)`,
      )
      .bind(at, familyId, clientId, generation)
      .run();
  }

  /** Revokes the client's grant (issue 13: with its access token, REVOKE_GRANT_ON_ACCESS_TOKEN), for a batch. */
  revokeOfClientStatement(id: string, clientId: string, at: number): D1PreparedStatement {
    return this.db.prepare('UPDATE grants SET revoked_at = ? WHERE id = ? AND client_id = ? AND revoked_at IS NULL').bind(at, id, clientId);
  }

  async revoke(id: string, at: number): Promise<void> {
    await this.db.prepare('UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').bind(at, id).run();
  }
}
