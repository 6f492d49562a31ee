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
  userId: string;
  authTime: number;
  expiresAt: number;
  remembered?: boolean;
  /** SHA-256 of the browser cookie the session belongs to (for the account chooser). */
  browserHash?: string | null;
}

/** Browser sessions. Only the SHA-256 of the cookie value is stored, so a database dump cannot replay a cookie. */
export class SessionRepository {
  constructor(private readonly db: D1Database) {}

  /** Creates a session and returns the cookie value that identifies it. */
  async create(userId: string, authTime: number, expiresAt: number, opts: Omit<NewSession, 'userId' | 'authTime' | 'expiresAt'> = {}): Promise<{ cookie: string; session: Session }> {
    const cookie = randomToken(32);
    const session: Session = { sid: randomToken(16), userId, authTime, amr: ['pwd'], expiresAt, remembered: opts.remembered ?? false, createdAt: authTime };
    await this.db
      .prepare(
        'INSERT INTO sessions (id_hash, sid, user_id, auth_time, amr, created_at, expires_at, remembered, browser_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .bind(await sha256Base64url(cookie), session.sid, userId, authTime, JSON.stringify(session.amr), authTime, expiresAt, session.remembered ? 1 : 0, opts.browserHash ?? null)
      .run();
    return { cookie, session };
  }

  /**
   * A new sign-in of the same user in the same session: a fresh cookie value (no session fixation),
   * a new auth_time, but the same `sid`, so relying parties see one continuous session.
   */
  async reauthenticate(sid: string, authTime: number, expiresAt: number, remembered: boolean, browserHash: string | null): Promise<{ cookie: string; session: Session } | null> {
    const cookie = randomToken(32);
    const res = await this.db
      .prepare('UPDATE sessions SET id_hash = ?, auth_time = ?, expires_at = ?, remembered = ?, browser_hash = ? WHERE sid = ?')
      .bind(await sha256Base64url(cookie), authTime, expiresAt, remembered ? 1 : 0, browserHash, sid)
      .run();
    if (res.meta.changes === 0) return null;
    const session = await this.findBySid(sid, 0);
    return session ? { cookie, session } : null;
  }

  /** Switches the browser to another of its sessions: that session gets a fresh cookie value. */
  async rotateCookie(sid: string): Promise<string> {
    const cookie = randomToken(32);
    await this.db.prepare('UPDATE sessions SET id_hash = ? WHERE sid = ?').bind(await sha256Base64url(cookie), sid).run();
    return cookie;
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

  /** The live sessions of the browsers identified by these cookie hashes, newest first. */
  async listForBrowser(browserHashes: string[], at: number): Promise<Session[]> {
    if (browserHashes.length === 0) return [];
    const marks = browserHashes.map(() => '?').join(', ');
    const { results } = await this.db
      .prepare(`SELECT ${COLUMNS} FROM sessions WHERE browser_hash IN (${marks}) AND expires_at > ? ORDER BY auth_time DESC`)
      .bind(...browserHashes, at)
      .all<SessionRow>();
    return results.map(fromRow);
  }

  /** Whether a session belongs to one of these browsers (the account chooser's ownership check). */
  async belongsToBrowser(sid: string, browserHashes: string[], at: number): Promise<boolean> {
    return (await this.listForBrowser(browserHashes, at)).some((s) => s.sid === sid);
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
    const res = await this.db.prepare('DELETE FROM sessions WHERE sid = ?').bind(sid).run();
    return res.meta.changes > 0;
  }
}
