import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';

export interface Session {
  sid: string;
  userId: string;
  authTime: number;
  amr: string[];
  expiresAt: number;
  /** "Remember me": the cookie outlives the browser session. */
  remembered?: boolean;
  createdAt?: number;
}

interface SessionRow {
  sid: string;
  user_id: string;
  auth_time: number;
  amr: string;
  expires_at: number;
  remembered: number;
  created_at: number;
}

const COLUMNS = 'sid, user_id, auth_time, amr, expires_at, remembered, created_at';

const fromRow = (r: SessionRow): Session => ({
  sid: r.sid,
  userId: r.user_id,
  authTime: r.auth_time,
  amr: JSON.parse(r.amr) as string[],
  expiresAt: r.expires_at,
  remembered: r.remembered === 1,
  createdAt: r.created_at,
});

export interface NewSession {
  remembered?: boolean;
  /** RFC 8176 methods of this sign-in (default `["pwd"]`; a passkey: `hwk`/`swk`, `user`). */
  amr?: string[];
}

/** A session together with the secret (cookie value) this browser holds for it. */
export interface HeldSession {
  cookie: string;
  session: Session;
  /** With listByCookies(…, clientId): the scopes the user consented to for that client, and the user's name. */
  joined?: { clientId: string; consentedScopes: Set<string>; username: string | null };
}

/**
 * Browser sessions. Only the SHA-256 of the cookie value is stored, so a database dump cannot replay
 * a cookie. The cookie value is the session's secret: whoever presents it holds the session.
 */
export class SessionRepository {
  constructor(private readonly db: D1Database) {}

  /** Creates a session and returns the cookie value that identifies it. */
  async create(userId: string, authTime: number, expiresAt: number, opts: NewSession = {}): Promise<HeldSession> {
    const cookie = randomToken(32);
    const session: Session = { sid: randomToken(16), userId, authTime, amr: opts.amr ?? ['pwd'], expiresAt, remembered: opts.remembered ?? false, createdAt: authTime };
    await this.db
      .prepare('INSERT INTO sessions (id_hash, sid, user_id, auth_time, amr, created_at, expires_at, remembered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .bind(await sha256Base64url(cookie), session.sid, userId, authTime, JSON.stringify(session.amr), authTime, expiresAt, session.remembered ? 1 : 0)
      .run();
    return { cookie, session };
  }

  /**
   * A new sign-in of the same user in the same session: a fresh cookie value (no session fixation),
   * a new auth_time, but the same `sid`, so relying parties see one continuous session.
   */
  async reauthenticate(sid: string, authTime: number, expiresAt: number, remembered: boolean, amr: string[] = ['pwd']): Promise<HeldSession | null> {
    const cookie = randomToken(32);
    const row = await this.db
      .prepare(`UPDATE sessions SET id_hash = ?, auth_time = ?, expires_at = ?, remembered = ?, amr = ? WHERE sid = ? RETURNING ${COLUMNS}`)
      .bind(await sha256Base64url(cookie), authTime, expiresAt, remembered ? 1 : 0, JSON.stringify(amr), sid)
      .first<SessionRow>();
    return row ? { cookie, session: fromRow(row) } : null;
  }

  async findByCookie(cookie: string, at: number): Promise<Session | null> {
    const row = await this.db
      .prepare(`SELECT ${COLUMNS} FROM sessions WHERE id_hash = ? AND expires_at > ?`)
      .bind(await sha256Base64url(cookie), at)
      .first<SessionRow>();
    return row ? fromRow(row) : null;
  }

  async findBySid(sid: string, at: number): Promise<Session | null> {
    const row = await this.db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE sid = ? AND expires_at > ?`).bind(sid, at).first<SessionRow>();
    return row ? fromRow(row) : null;
  }

  /**
   * The live sessions whose secrets (cookie values) are given, newest sign-in first, each with its
   * secret: one query by the primary key. A value that is not a live session's names nothing.
   * With `clientId`, the same query also brings each session user's consent for that client and
   * their username (what the authorization and consent pages need next), so a page reads once.
   */
  async listByCookies(cookies: string[], at: number, clientId?: string): Promise<HeldSession[]> {
    if (cookies.length === 0) return [];
    const hashes = await Promise.all(cookies.map((v) => sha256Base64url(v)));
    const byHash = new Map(hashes.map((h, i) => [h, cookies[i]!]));
    const inList = hashes.map(() => '?').join(', ');
    const columns = COLUMNS.split(', ').map((col) => `s.${col}`).join(', ');
    const statement =
      clientId === undefined
        ? this.db.prepare(`SELECT id_hash, ${COLUMNS} FROM sessions WHERE id_hash IN (${inList}) AND expires_at > ? ORDER BY auth_time DESC`).bind(...hashes, at)
        : this.db
            .prepare(
              `SELECT s.id_hash, ${columns}, c.scopes AS consent_scopes, u.username AS username FROM sessions s
               LEFT JOIN consents c ON c.user_id = s.user_id AND c.client_id = ?
               LEFT JOIN users u ON u.id = s.user_id
               WHERE s.id_hash IN (${inList}) AND s.expires_at > ? ORDER BY s.auth_time DESC`,
            )
            .bind(clientId, ...hashes, at);
    const { results } = await statement.all<SessionRow & { id_hash: string; consent_scopes?: string | null; username?: string | null }>();
    return results.map((r) => ({
      cookie: byHash.get(r.id_hash)!,
      session: fromRow(r),
      ...(clientId === undefined
        ? {}
        : { joined: { clientId, consentedScopes: new Set((r.consent_scopes ?? '').split(' ').filter(Boolean)), username: r.username ?? null } }),
    }));
  }
  async listForUser(userId: string, at: number): Promise<Session[]> {
    const { results } = await this.db
      .prepare(`SELECT ${COLUMNS} FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY auth_time DESC`)
      .bind(userId, at)
      .all<SessionRow>();
    return results.map(fromRow);
  }

  async deleteByCookie(cookie: string): Promise<void> {
    await this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').bind(await sha256Base64url(cookie)).run();
  }

  async deleteBySid(sid: string): Promise<boolean> {
    const res = await this.deleteBySidStatement(sid).run();
    return res.meta.changes > 0;
  }

  deleteBySidStatement(sid: string): D1PreparedStatement {
    return this.db.prepare('DELETE FROM sessions WHERE sid = ?').bind(sid);
  }
}
