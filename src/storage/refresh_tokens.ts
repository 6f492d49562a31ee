import type { UserClaims } from './users';

/**
 * Refresh token families: ONE row per offline grant, whatever the number of rotations. The token
 * names its family and generation (src/tokens/refresh_token_format.ts); the row holds the current
 * generation, its expiry, and when the previous generation was exchanged.
 */
export interface RefreshTokenFamily {
  id: string;
  grantId: string;
  clientId: string;
  /** The generation of the one valid token. */
  generation: number;
  /** When the current generation was issued. */
  issuedAt: number;
  /** Expiry of the current generation (sliding idle expiry within the absolute lifetime). */
  expiresAt: number;
  /** When generation - 1 was exchanged; null for generation 0. */
  rotatedAt: number | null;
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
  /** RFC 9449 §5: the DPoP key (thumbprint) a public client's family is bound to; null when unbound. */
  dpopJkt: string | null;
  /** The user's standard claims and their update time, read in the same statement (the refreshed ID token's scope claims, issue 13); null without a user. */
  userClaims: UserClaims | null;
  userUpdatedAt: number | null;
  /** RFC 8707 (migration 0017): the API the grant's access tokens are for; null: none named. */
  resource: string | null;
}

interface Row {
  id: string;
  grant_id: string;
  client_id: string;
  generation: number;
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
  dpop_jkt: string | null;
  user_claims: string | null;
  user_updated_at: number | null;
  grant_resource: string | null;
}

const SELECT_FAMILY = `SELECT f.*, g.user_id, g.sid, g.scope, g.auth_time, g.amr, g.expires_at AS grant_expires_at, g.revoked_at AS grant_revoked_at,
         g.created_at AS grant_created_at, u.id IS NOT NULL AS user_exists, u.claims AS user_claims, u.updated_at AS user_updated_at,
         g.resource AS grant_resource
  FROM refresh_token_families f JOIN grants g ON g.id = f.grant_id LEFT JOIN users u ON u.id = g.user_id WHERE f.id = ?`;

/**
 * Moves a family from generation ?2 to ?2 + 1, only if everything that makes the presented token
 * valid still holds, checked in the same statement (a compare-and-swap: of any number of
 * concurrent rotations exactly one changes the row): the client (?3), the current token not
 * expired, the grant live, its user present, and every requested scope (?7, a JSON array) within
 * the grant (RFC 6749 §6), for a `resource` (?9, a JSON array: the API's scopes) one of them in the grant (RFC 8707), and for a DPoP-bound family the proof's key (?8, RFC 9449 §5). The successor's expiry slides by the idle lifetime (?5), never past the
 * family's absolute lifetime (?6) or the grant.
 */
const ROTATE = `/* idempotent: a compare-and-swap on the generation, so a second run changes nothing */
UPDATE refresh_token_families SET generation = generation + 1, rotated_at = ?4, issued_at = ?4,
    expires_at = MIN(?4 + ?5, (SELECT g.created_at + ?6 FROM grants g WHERE g.id = grant_id), (SELECT g.expires_at FROM grants g WHERE g.id = grant_id))
  WHERE id = ?1 AND generation = ?2 AND client_id = ?3 AND expires_at > ?4 AND (dpop_jkt IS NULL OR dpop_jkt = ?8)
    AND EXISTS (SELECT 1 FROM grants g JOIN users u ON u.id = g.user_id WHERE g.id = grant_id AND g.revoked_at IS NULL AND g.expires_at > ?4
                AND NOT EXISTS (SELECT 1 FROM json_each(?7) s WHERE instr(' ' || g.scope || ' ', ' ' || s.value || ' ') = 0)
                AND (?9 IS NULL OR EXISTS (SELECT 1 FROM json_each(?9) a WHERE instr(' ' || g.scope || ' ', ' ' || a.value || ' ') > 0)))`;

const fromRow = (r: Row): RefreshTokenFamily => ({
  id: r.id,
  grantId: r.grant_id,
  clientId: r.client_id,
  generation: r.generation,
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
  dpopJkt: r.dpop_jkt ?? null,
  userClaims: r.user_claims ? (JSON.parse(r.user_claims) as UserClaims) : null,
  userUpdatedAt: r.user_updated_at ?? null,
  resource: r.grant_resource ?? null,
});

export interface RotationInput {
  familyId: string;
  /** The generation of the presented token. */
  generation: number;
  clientId: string;
  at: number;
  idleTtl: number;
  absoluteTtl: number;
  /** Scopes the request asks for (empty: the whole grant). */
  scopes: string[];
  /** The thumbprint of the request's DPoP proof key, if any. */
  dpopJkt?: string;
  /** RFC 8707: the scopes of the API named by `resource`, of which the grant must hold one. */
  anyOfScopes?: string[];
}

export class RefreshTokenRepository {
  /** A session (`withSession`) serves the reads of `find` from a replica (introspection). */
  constructor(private readonly db: D1Database | D1DatabaseSession) {}

  async find(familyId: string): Promise<RefreshTokenFamily | null> {
    const r = await this.db.prepare(SELECT_FAMILY).bind(familyId).first<Row>();
    return r ? fromRow(r) : null;
  }

  /** Starts a family at generation 0 (the code redemption). */
  insertStatement(familyId: string, grantId: string, clientId: string, issuedAt: number, expiresAt: number, dpopJkt: string | null = null): D1PreparedStatement {
    return this.db
      .prepare('INSERT INTO refresh_token_families (id, grant_id, client_id, generation, issued_at, expires_at, dpop_jkt) VALUES (?, ?, ?, 0, ?, ?, ?) ON CONFLICT DO NOTHING')
      .bind(familyId, grantId, clientId, issuedAt, expiresAt, dpopJkt);
  }

  /** Like `insertStatement`, but only when the grant row exists (after a conditional grant insert in the same batch). */
  insertIfGrantStatement(familyId: string, grantId: string, clientId: string, issuedAt: number, expiresAt: number, dpopJkt: string | null = null): D1PreparedStatement {
    return this.db
      .prepare(
        `INSERT INTO refresh_token_families (id, grant_id, client_id, generation, issued_at, expires_at, dpop_jkt)
         SELECT ?1, ?2, ?3, 0, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM grants WHERE id = ?2) ON CONFLICT DO NOTHING`,
      )
      .bind(familyId, grantId, clientId, issuedAt, expiresAt, dpopJkt);
  }

  /**
   * One round trip (a D1 batch is one transaction): the conditional rotation, then the family as
   * it is afterwards. `rotated` is true for the one request whose rotation took place.
   */
  async rotate(input: RotationInput): Promise<{ rotated: boolean; family: RefreshTokenFamily | null }> {
    const [update, select] = await this.db.batch<Row>([
      this.db
        .prepare(ROTATE)
        .bind(input.familyId, input.generation, input.clientId, input.at, input.idleTtl, input.absoluteTtl, JSON.stringify(input.scopes), input.dpopJkt ?? null, input.anyOfScopes ? JSON.stringify(input.anyOfScopes) : null),
      this.db.prepare(SELECT_FAMILY).bind(input.familyId),
    ]);
    const row = select?.results[0];
    return { rotated: (update?.meta.changes ?? 0) > 0, family: row ? fromRow(row) : null };
  }
}
