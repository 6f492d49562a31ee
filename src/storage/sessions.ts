import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';

export interface Session {
  sid: string;
  userId: string;
  authTime: number;
  amr: string[];
  expiresAt: number;
}

interface SessionRow {
  sid: string;
  user_id: string;
  auth_time: number;
  amr: string;
  expires_at: number;
}

const fromRow = (r: SessionRow): Session => ({
  sid: r.sid,
  userId: r.user_id,
  authTime: r.auth_time,
  amr: JSON.parse(r.amr) as string[],
  expiresAt: r.expires_at,
});

/** Browser sessions. Only the SHA-256 of the cookie value is stored, so a database dump cannot replay a cookie. */
export class SessionRepository {
  constructor(private readonly db: D1Database) {}

  /** Creates a session and returns the cookie value that identifies it. */
  async create(userId: string, authTime: number, expiresAt: number): Promise<{ cookie: string; session: Session }> {
    const cookie = randomToken(32);
    const session: Session = { sid: randomToken(16), userId, authTime, amr: ['pwd'], expiresAt };
    await this.db
      .prepare(
        'INSERT INTO sessions (id_hash, sid, user_id, auth_time, amr, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .bind(await sha256Base64url(cookie), session.sid, userId, authTime, JSON.stringify(session.amr), authTime, expiresAt)
      .run();
    return { cookie, session };
  }

  async findByCookie(cookie: string, at: number): Promise<Session | null> {
    const row = await this.db
      .prepare('SELECT sid, user_id, auth_time, amr, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?')
      .bind(await sha256Base64url(cookie), at)
      .first<SessionRow>();
    return row ? fromRow(row) : null;
  }

  async deleteByCookie(cookie: string): Promise<void> {
    await this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').bind(await sha256Base64url(cookie)).run();
  }
}
