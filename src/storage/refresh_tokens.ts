import { sha256Base64url } from '../crypto/hash';

export interface RefreshTokenRecord {
  idHash: string;
  grantId: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  rotatedAt: number | null;
}

/** The refresh token, joined with what its grant says about the family. */
export interface RefreshTokenFamily extends RefreshTokenRecord {
  userId: string;
  /** False when the user has been deleted since (the grant outlives nothing, but be explicit). */
  userExists: boolean;
  sid: string | null;
  scope: string;
  authTime: number | null;
  amr: string[];
  grantExpiresAt: number;
  grantRevokedAt: number | null;
  /** When the family began (the code redemption): the refresh token's absolute lifetime counts from it. */
  grantCreatedAt: number;
}

interface Row {
  id_hash: string;
  grant_id: string;
  client_id: string;
  issued_at: number;
  expires_at: number;
  rotated_at: number | null;
  user_id: string;
  sid: string | null;
  scope: string;
  auth_time: number | null;
  amr: string | null;
  grant_expires_at: number;
  grant_revoked_at: number | null;
  grant_created_at: number;
  user_exists: number;
}

/** Refresh tokens, stored only as SHA-256 hashes; each belongs to a grant (its family). */
export class RefreshTokenRepository {
  constructor(private readonly db: D1Database) {}

  static hash = (token: string) => sha256Base64url(token);

  async find(token: string): Promise<RefreshTokenFamily | null> {
    const r = await this.db
      .prepare(
        `SELECT t.*, g.user_id, g.sid, g.scope, g.auth_time, g.amr, g.expires_at AS grant_expires_at, g.revoked_at AS grant_revoked_at,
                g.created_at AS grant_created_at, EXISTS (SELECT 1 FROM users u WHERE u.id = g.user_id) AS user_exists
         FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id WHERE t.id_hash = ?`,
      )
      .bind(await RefreshTokenRepository.hash(token))
      .first<Row>();
    if (!r) return null;
    return {
      idHash: r.id_hash,
      grantId: r.grant_id,
      clientId: r.client_id,
      issuedAt: r.issued_at,
      expiresAt: r.expires_at,
      rotatedAt: r.rotated_at,
      userId: r.user_id,
      userExists: r.user_exists === 1,
      sid: r.sid,
      scope: r.scope,
      authTime: r.auth_time,
      amr: r.amr ? (JSON.parse(r.amr) as string[]) : ['pwd'],
      grantExpiresAt: r.grant_expires_at,
      grantRevokedAt: r.grant_revoked_at,
      grantCreatedAt: r.grant_created_at,
    };
  }

  /** Stores a new token; a second insert of the same token (a retried rotation) changes nothing. */
  async insert(token: string, grantId: string, clientId: string, issuedAt: number, expiresAt: number): Promise<void> {
    await this.db
      .prepare('INSERT INTO refresh_tokens (id_hash, grant_id, client_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .bind(await RefreshTokenRepository.hash(token), grantId, clientId, issuedAt, expiresAt)
      .run();
  }

  /**
   * Rotates a token in one transaction: marks it rotated only if it was not already (a
   * compare-and-swap: of any number of concurrent rotations exactly one returns true) and stores
   * its successor. The successor is derived from the token, so a losing rotation's insert is a no-op.
   */
  async rotate(idHash: string, at: number, successor: string, grantId: string, clientId: string, successorExpiresAt: number): Promise<boolean> {
    const [update] = await this.db.batch([
      this.db.prepare('UPDATE refresh_tokens SET rotated_at = ? WHERE id_hash = ? AND rotated_at IS NULL').bind(at, idHash),
      this.db
        .prepare('INSERT INTO refresh_tokens (id_hash, grant_id, client_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .bind(await RefreshTokenRepository.hash(successor), grantId, clientId, at, successorExpiresAt),
    ]);
    return (update?.meta.changes ?? 0) > 0;
  }

  async rotatedAt(idHash: string): Promise<number | null> {
    const r = await this.db.prepare('SELECT rotated_at FROM refresh_tokens WHERE id_hash = ?').bind(idHash).first<{ rotated_at: number | null }>();
    return r?.rotated_at ?? null;
  }
}
