import type { JWK } from 'jose';
import type { SealedPrivateKey } from '../keys/types';
import { userFromRow, type User, type UserClaims, type UserRow } from './users';

/**
 * Upstream OpenID providers (migration 0016), the links of their accounts to local users, and the
 * local sessions started through them. The client secret is stored sealed only: sealing and
 * opening are the caller's (upstream/config.ts), this layer keeps the sealed string.
 */

export interface Upstream {
  slug: string;
  name: string;
  issuer: string;
  clientId: string;
  /** '' for an upstream that authenticates with private_key_jwt. */
  clientSecretSealed: string;
  /** Client authentication at the upstream's token endpoint (migration 0020). */
  authMethod: UpstreamAuthMethod;
  /** private_key_jwt: the key pair the OP holds for this upstream, its private half sealed. */
  signingKey: UpstreamSigningKey | null;
  scopes: string[];
  /** Local claim → upstream claim. */
  claimMapping: Record<string, string>;
  linkByEmail: boolean;
  endSession: boolean;
  createdAt: number;
  updatedAt: number;
}

export const UPSTREAM_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type UpstreamAuthMethod = (typeof UPSTREAM_AUTH_METHODS)[number];

export interface UpstreamSigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  /** Exactly what /upstream/<slug>/jwks publishes. */
  publicJwk: JWK;
  /** The private JWK sealed under KEY_ENCRYPTION_KEY (keys/encryption.ts, the kid as additional data). */
  privateKey: SealedPrivateKey;
}

interface UpstreamRow {
  slug: string;
  name: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string;
  auth_method: string | null;
  signing_key: string | null;
  scopes: string;
  claim_mapping: string;
  link_by_email: number;
  end_session: number;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: UpstreamRow): Upstream => ({
  slug: r.slug,
  name: r.name,
  issuer: r.issuer,
  clientId: r.client_id,
  clientSecretSealed: r.client_secret_sealed,
  authMethod: (UPSTREAM_AUTH_METHODS as readonly string[]).includes(r.auth_method ?? '') ? (r.auth_method as UpstreamAuthMethod) : 'client_secret_basic',
  signingKey: r.signing_key ? signingKeyFromJson(r.signing_key) : null,
  scopes: r.scopes.split(' ').filter(Boolean),
  claimMapping: JSON.parse(r.claim_mapping) as Record<string, string>,
  linkByEmail: r.link_by_email === 1,
  endSession: r.end_session === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

function signingKeyFromJson(raw: string): UpstreamSigningKey {
  const j = JSON.parse(raw) as { kid: string; alg: 'ES256' | 'RS256'; public_jwk: JWK; private_key: SealedPrivateKey };
  return { kid: j.kid, alg: j.alg, publicJwk: j.public_jwk, privateKey: j.private_key };
}

const signingKeyJson = (k: UpstreamSigningKey | null): string | null =>
  k ? JSON.stringify({ kid: k.kid, alg: k.alg, public_jwk: k.publicJwk, private_key: k.privateKey }) : null;

export interface UpstreamLink {
  upstream: string;
  subject: string;
  userId: string;
  createdAt: number;
  lastUsedAt: number;
}

interface LinkRow {
  upstream: string;
  subject: string;
  user_id: string;
  created_at: number;
  last_used_at: number;
}

const linkFromRow = (r: LinkRow): UpstreamLink => ({ upstream: r.upstream, subject: r.subject, userId: r.user_id, createdAt: r.created_at, lastUsedAt: r.last_used_at });

export interface UpstreamSession {
  sid: string;
  upstream: string;
  subject: string;
  upstreamSid: string | null;
  idToken: string;
  expiresAt: number;
}

export class UpstreamRepository {
  constructor(private readonly db: D1Database) {}

  async list(): Promise<Upstream[]> {
    const { results } = await this.db.prepare('SELECT * FROM upstreams ORDER BY name, slug').all<UpstreamRow>();
    return results.map(fromRow);
  }

  async find(slug: string): Promise<Upstream | null> {
    const row = await this.db.prepare('SELECT * FROM upstreams WHERE slug = ?').bind(slug).first<UpstreamRow>();
    return row ? fromRow(row) : null;
  }

  /** Replaces a sealed client secret only if it is still the value read (the cron's re-seal; a concurrent update wins). */
  async replaceSealedSecrets(updates: { slug: string; raw: string; sealed: string }[]): Promise<number> {
    if (updates.length === 0) return 0;
    const results = await this.db.batch(
      updates.map((u) => this.db.prepare('UPDATE upstreams SET client_secret_sealed = ? WHERE slug = ? AND client_secret_sealed = ?').bind(u.sealed, u.slug, u.raw)),
    );
    return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
  }

  /** Replaces a sealed private_key_jwt key only if it is still the value read (the cron's re-seal; a concurrent update wins). */
  async replaceSealedSigningKeys(updates: { slug: string; raw: UpstreamSigningKey; sealed: UpstreamSigningKey }[]): Promise<number> {
    if (updates.length === 0) return 0;
    const results = await this.db.batch(
      updates.map((u) => this.db.prepare('UPDATE upstreams SET signing_key = ? WHERE slug = ? AND signing_key = ?').bind(signingKeyJson(u.sealed), u.slug, signingKeyJson(u.raw))),
    );
    return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
  }

  /** False when the slug is taken. */
  async insert(u: Upstream): Promise<boolean> {
    const res = await this.db
      .prepare(
        `INSERT INTO upstreams (slug, name, issuer, client_id, client_secret_sealed, auth_method, signing_key, scopes, claim_mapping, link_by_email, end_session, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .bind(u.slug, u.name, u.issuer, u.clientId, u.clientSecretSealed, u.authMethod, signingKeyJson(u.signingKey), u.scopes.join(' '), JSON.stringify(u.claimMapping), u.linkByEmail ? 1 : 0, u.endSession ? 1 : 0, u.createdAt, u.updatedAt)
      .run();
    return res.meta.changes > 0;
  }

  /** Replaces every field but the slug and creation time; false for an unknown slug. */
  async update(u: Upstream): Promise<boolean> {
    const res = await this.db
      .prepare(
        `UPDATE upstreams SET name = ?, issuer = ?, client_id = ?, client_secret_sealed = ?, auth_method = ?, signing_key = ?, scopes = ?, claim_mapping = ?, link_by_email = ?, end_session = ?, updated_at = ?
         WHERE slug = ?`,
      )
      .bind(u.name, u.issuer, u.clientId, u.clientSecretSealed, u.authMethod, signingKeyJson(u.signingKey), u.scopes.join(' '), JSON.stringify(u.claimMapping), u.linkByEmail ? 1 : 0, u.endSession ? 1 : 0, u.updatedAt, u.slug)
      .run();
    return res.meta.changes > 0;
  }

  /** Deletes the upstream with its links and session records (cascade). */
  async delete(slug: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM upstreams WHERE slug = ?').bind(slug).run();
    return res.meta.changes > 0;
  }

  async findLink(upstream: string, subject: string): Promise<UpstreamLink | null> {
    const row = await this.db.prepare('SELECT * FROM upstream_links WHERE upstream = ? AND subject = ?').bind(upstream, subject).first<LinkRow>();
    return row ? linkFromRow(row) : null;
  }

  /**
   * One round trip: the local user linked to (upstream, subject), and the id of the user whose
   * username or email is `email` (who would clash with it).
   */
  async lookup(upstream: string, subject: string, email: string | null): Promise<{ linked: User | null; emailOwner: string | null }> {
    const [linked, owner] = await this.db.batch([
      this.db.prepare('SELECT users.* FROM upstream_links JOIN users ON users.id = upstream_links.user_id WHERE upstream_links.upstream = ? AND upstream_links.subject = ?').bind(upstream, subject),
      this.db.prepare('SELECT id FROM users WHERE email = ?1 OR username = ?1 LIMIT 1').bind(email),
    ]);
    const row = (linked!.results as UserRow[])[0];
    const ownerRow = (owner!.results as { id: string }[])[0];
    return { linked: row ? userFromRow(row) : null, emailOwner: email !== null && ownerRow ? ownerRow.id : null };
  }

  /** A later sign-in: the mapped claims and attributes written, the link's last use recorded; one batch. */
  async refreshLinkedUser(upstream: string, subject: string, userId: string, claims: UserClaims, attributes: Record<string, unknown>, at: number): Promise<void> {
    await this.db.batch([
      this.db.prepare('UPDATE users SET claims = ?, email = ?, attributes = ?, updated_at = ? WHERE id = ?').bind(JSON.stringify(claims), claims.email ?? null, JSON.stringify(attributes), at, userId),
      this.touchLinkStatement(upstream, subject, at),
    ]);
  }

  /** A new link, for a batch with the user's insert; fails (UNIQUE) when the upstream account is already linked. */
  insertLinkStatement(link: UpstreamLink): D1PreparedStatement {
    return this.db
      .prepare('INSERT INTO upstream_links (upstream, subject, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)')
      .bind(link.upstream, link.subject, link.userId, link.createdAt, link.lastUsedAt);
  }

  touchLinkStatement(upstream: string, subject: string, at: number): D1PreparedStatement {
    return this.db.prepare('UPDATE upstream_links SET last_used_at = ? WHERE upstream = ? AND subject = ?').bind(at, upstream, subject);
  }

  async linksOfUser(userId: string): Promise<UpstreamLink[]> {
    const { results } = await this.db.prepare('SELECT * FROM upstream_links WHERE user_id = ? ORDER BY created_at').bind(userId).all<LinkRow>();
    return results.map(linkFromRow);
  }

  async deleteLink(userId: string, upstream: string, subject: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM upstream_links WHERE user_id = ? AND upstream = ? AND subject = ?').bind(userId, upstream, subject).run();
    return res.meta.changes > 0;
  }

  /** Records (or replaces) which upstream session a local session came from. */
  rememberSessionStatement(s: UpstreamSession): D1PreparedStatement {
    return this.db
      .prepare(
        `INSERT INTO upstream_sessions (sid, upstream, subject, upstream_sid, id_token, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (sid) DO UPDATE SET upstream = excluded.upstream, subject = excluded.subject, upstream_sid = excluded.upstream_sid,
         id_token = excluded.id_token, expires_at = excluded.expires_at`,
      )
      .bind(s.sid, s.upstream, s.subject, s.upstreamSid, s.idToken, s.expiresAt);
  }

  async sessionOf(sid: string): Promise<UpstreamSession | null> {
    const r = await this.db.prepare('SELECT * FROM upstream_sessions WHERE sid = ?').bind(sid).first<{ sid: string; upstream: string; subject: string; upstream_sid: string | null; id_token: string; expires_at: number }>();
    return r ? { sid: r.sid, upstream: r.upstream, subject: r.subject, upstreamSid: r.upstream_sid, idToken: r.id_token, expiresAt: r.expires_at } : null;
  }

  /**
   * The local sessions a back-channel logout token names (Back-Channel Logout 1.0 §2.4): by the
   * upstream's `sid` when given (and its `sub` too when both are), else every session of the `sub`.
   */
  async localSids(upstream: string, subject: string | undefined, upstreamSid: string | undefined): Promise<string[]> {
    const where = ['upstream = ?'];
    const binds: string[] = [upstream];
    if (subject !== undefined) where.push('subject = ?') && binds.push(subject);
    if (upstreamSid !== undefined) where.push('upstream_sid = ?') && binds.push(upstreamSid);
    const { results } = await this.db
      .prepare(`SELECT sid FROM upstream_sessions WHERE ${where.join(' AND ')}`)
      .bind(...binds)
      .all<{ sid: string }>();
    return results.map((r) => r.sid);
  }
}
