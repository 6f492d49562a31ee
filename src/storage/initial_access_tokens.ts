import { sha256Base64url } from '../crypto/hash';

/**
 * RFC 7591 §3: initial access tokens that authorize registrations, issued by the operator. Stored
 * as SHA-256; each registration spends one use, counted down in a single conditional UPDATE, so
 * concurrent registrations can never spend more uses than the token has.
 */
export class InitialAccessTokenRepository {
  constructor(private readonly db: D1Database) {}

  async create(token: string, uses: number, expiresAt: number, at: number): Promise<void> {
    await this.db
      .prepare('INSERT INTO initial_access_tokens (token_hash, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?)')
      .bind(await sha256Base64url(token), uses, expiresAt, at)
      .run();
  }

  /** Whether the token could be spent now (checked before the request is validated). */
  async usable(token: string, at: number): Promise<boolean> {
    const row = await this.db
      .prepare('SELECT 1 AS ok FROM initial_access_tokens WHERE token_hash = ? AND uses_left > 0 AND expires_at > ?')
      .bind(await sha256Base64url(token), at)
      .first<{ ok: number }>();
    return row !== null;
  }

  /** Spends one use; false when the token is unknown, expired or used up. */
  async spend(token: string, at: number): Promise<boolean> {
    const res = await this.db
      .prepare('UPDATE initial_access_tokens SET uses_left = uses_left - 1 WHERE token_hash = ? AND uses_left > 0 AND expires_at > ?')
      .bind(await sha256Base64url(token), at)
      .run();
    return res.meta.changes === 1;
  }
}
