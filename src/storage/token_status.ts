import { userFromRow, type User, type UserRow } from './users';

/**
 * Whether an access token is still good as far as storage knows: its grant exists and is not
 * revoked, and the token itself was not revoked on its own (RFC 7009). One query.
 */
export class TokenStatus {
  constructor(private readonly db: D1Database) {}

  /**
   * The user behind a user access token, or null when the user is gone, the grant is revoked or
   * the token was revoked: the whole check of the userinfo endpoint in one query.
   */
  async liveUser(userId: string, grantId: string, jti: string): Promise<User | null> {
    const row = await this.db
      .prepare(
        `SELECT u.* FROM users u
         WHERE u.id = ?1
           AND EXISTS (SELECT 1 FROM grants g WHERE g.id = ?2 AND g.user_id = u.id AND g.revoked_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?3)`,
      )
      .bind(userId, grantId, jti)
      .first<UserRow>();
    return row ? userFromRow(row) : null;
  }

  /**
   * liveUser, plus the userinfo claims the authorization request asked for one by one (OIDC Core
   * §5.5), kept with the grant: still one query.
   */
  async liveUserWithRequestedClaims(userId: string, grantId: string, jti: string): Promise<{ user: User; userinfoClaims: string | null } | null> {
    const row = await this.db
      .prepare(
        `SELECT u.*, g.userinfo_claims AS grant_userinfo_claims FROM users u JOIN grants g ON g.id = ?2 AND g.user_id = u.id AND g.revoked_at IS NULL
         WHERE u.id = ?1 AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?3)`,
      )
      .bind(userId, grantId, jti)
      .first<UserRow & { grant_userinfo_claims: string | null }>();
    return row ? { user: userFromRow(row), userinfoClaims: row.grant_userinfo_claims } : null;
  }

  async isActive(grantId: string | undefined, jti: string): Promise<boolean> {
    const row = await this.db
      .prepare(
        `SELECT
           (SELECT COUNT(*) FROM grants WHERE id = ?1 AND revoked_at IS NULL) AS live_grant,
           (SELECT COUNT(*) FROM revoked_access_tokens WHERE jti = ?2) AS revoked`,
      )
      .bind(grantId ?? '', jti)
      .first<{ live_grant: number; revoked: number }>();
    if (!row || row.revoked > 0) return false;
    return grantId === undefined || row.live_grant > 0;
  }

  async revokeAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.db.prepare('INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING').bind(jti, expiresAt).run();
  }
}
