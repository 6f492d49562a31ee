import type { SubjectPolicy } from './subject';
import type { ScopeClaim } from '../storage/custom_claims';
import { userFromRow, type User, type UserRow } from '../storage/users';

/**
 * Whether an access token is still good as far as storage knows: its grant exists and is not
 * revoked, and the token itself was not revoked on its own (RFC 7009). One query.
 */
export class TokenStatus {
  constructor(private readonly db: D1Database | D1DatabaseSession) {}

  /**
   * The user behind a user access token and the subject policy of the client it was issued to,
   * found through the grant (a pairwise `sub` names no user by itself), or null when the user is
   * gone, the grant is revoked or the token was revoked. One query.
   */
  async liveUserOfGrant(
    grantId: string,
    jti: string,
  ): Promise<{ user: User; userinfoClaims: string | null; client: SubjectPolicy & { id: string; userinfoAlg: string | null; customClaims: ScopeClaim[] } } | null> {
    const row = await this.db
      .prepare(
        `SELECT u.*, c.id AS client_id, c.subject_type AS client_subject_type, c.sector_identifier AS client_sector, c.userinfo_signed_response_alg AS client_userinfo_alg, c.custom_claims AS client_custom_claims,
                g.userinfo_claims AS grant_userinfo_claims
         FROM grants g JOIN users u ON u.id = g.user_id JOIN clients c ON c.id = g.client_id
         WHERE g.id = ?1 AND g.revoked_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?2)`,
      )
      .bind(grantId, jti)
      .first<UserRow & { client_id: string; client_subject_type: string | null; client_sector: string | null; client_userinfo_alg: string | null; client_custom_claims: string | null; grant_userinfo_claims: string | null }>();
    if (!row) return null;
    return {
      user: userFromRow(row),
      // OIDC Core §5.5: claims the authorization request asked for userinfo, kept with the grant.
      userinfoClaims: row.grant_userinfo_claims,
      client: {
        id: row.client_id,
        subjectType: row.client_subject_type === 'pairwise' ? 'pairwise' : 'public',
        sectorIdentifier: row.client_sector,
        userinfoAlg: row.client_userinfo_alg,
        customClaims: row.client_custom_claims ? (JSON.parse(row.client_custom_claims) as ScopeClaim[]) : [],
      },
    };
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
    await this.revokeAccessTokenStatement(jti, expiresAt).run();
  }

  revokeAccessTokenStatement(jti: string, expiresAt: number): D1PreparedStatement {
    return this.db.prepare('INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING').bind(jti, expiresAt);
  }
}
