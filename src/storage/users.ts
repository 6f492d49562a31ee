/** The OIDC Core §5.1 standard claims we store with a user (everything but `sub`). */
export interface UserClaims {
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  preferred_username?: string;
  profile?: string;
  picture?: string;
  website?: string;
  email?: string;
  email_verified?: boolean;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: {
    formatted?: string;
    street_address?: string;
    locality?: string;
    region?: string;
    postal_code?: string;
    country?: string;
  };
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  passwordHash: string;
  claims: UserClaims;
  updatedAt: number;
  createdAt: number;
  /** Operator-managed attributes (department, roles...) that custom claims are read from (migration 0005). */
  attributes?: Record<string, unknown>;
  /** "Add a passkey?" is not offered after a password sign-in before this time (migration 0012). */
  passkeyPromptAfter?: number | null;
  /** `admin`: may sign in to the admin console (migration 0019); null: no role. */
  role?: UserRole | null;
  /** When an operator disabled the account (migration 0019); null: enabled. */
  disabledAt?: number | null;
}

/** The roles a user can hold (migration 0019's CHECK). */
export const USER_ROLES = ['admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface UserRow {
  id: string;
  username: string;
  email: string | null;
  password_hash: string;
  claims: string;
  updated_at: number;
  created_at: number;
  attributes?: string;
  passkey_prompt_after?: number | null;
  role?: string | null;
  disabled_at?: number | null;
}

export const userFromRow = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  email: r.email,
  passwordHash: r.password_hash,
  claims: JSON.parse(r.claims) as UserClaims,
  updatedAt: r.updated_at,
  createdAt: r.created_at,
  attributes: r.attributes ? (JSON.parse(r.attributes) as Record<string, unknown>) : {},
  passkeyPromptAfter: r.passkey_prompt_after ?? null,
  role: (r.role as UserRole | null | undefined) ?? null,
  disabledAt: r.disabled_at ?? null,
});

export class UserRepository {
  constructor(private readonly db: D1Database) {}

  async find(id: string): Promise<User | null> {
    const row = await this.findStatement(id).first<UserRow>();
    return row ? userFromRow(row) : null;
  }

  /** The read of `find`, for a batch (its one row goes through `userFromRow`). */
  findStatement(id: string): D1PreparedStatement {
    return this.db.prepare('SELECT * FROM users WHERE id = ?').bind(id);
  }

  /** Looks a user up by username or email, case-insensitively. */
  async findByLogin(login: string): Promise<User | null> {
    const row = await this.db
      .prepare('SELECT * FROM users WHERE username = ?1 OR email = ?1 LIMIT 1')
      .bind(login)
      .first<UserRow>();
    return row ? userFromRow(row) : null;
  }

  /** Whether any user has `username` or `email` as username or email: one query for both. */
  async loginTaken(username: string, email: string | null): Promise<boolean> {
    const row = await this.db
      .prepare('SELECT 1 FROM users WHERE username IN (?1, ?2) OR email IN (?1, ?2) LIMIT 1')
      .bind(username, email ?? username)
      .first();
    return row !== null;
  }

  async list(): Promise<User[]> {
    const { results } = await this.db.prepare('SELECT * FROM users ORDER BY created_at, id').all<UserRow>();
    return results.map(userFromRow);
  }

  /** Returns false when the username or email is already taken. Only authn/new_user.ts creates users. */
  async insert(user: User): Promise<boolean> {
    const res = await this.insertStatement(user).run();
    return res.meta.changes > 0;
  }

  /** The insert of `insert`, for a batch with rows that hang off the new user (it changes nothing when the name is taken). */
  insertStatement(user: User): D1PreparedStatement {
    return this.db
      .prepare(
        `INSERT INTO users (id, username, email, password_hash, claims, attributes, updated_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .bind(user.id, user.username, user.email, user.passwordHash, JSON.stringify(user.claims), JSON.stringify(user.attributes ?? {}), user.updatedAt, user.createdAt);
  }

  /**
   * Replaces a password hash by a stronger one of the same password (a pepper added): only if the
   * stored hash is still `previous`, so a password changed meanwhile is never overwritten.
   */
  async upgradePasswordHash(id: string, previous: string, hash: string): Promise<boolean> {
    const res = await this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?').bind(hash, id, previous).run();
    return res.meta.changes > 0;
  }

  /** Replaces the user's attributes; false for an unknown user. */
  async setAttributes(id: string, attributes: Record<string, unknown>, at: number): Promise<boolean> {
    const res = await this.db.prepare('UPDATE users SET attributes = ?, updated_at = ? WHERE id = ?').bind(JSON.stringify(attributes), at, id).run();
    return res.meta.changes > 0;
  }

  /**
   * The standard claims (and the email column the sign-in reads, kept equal to the email claim);
   * false when the user is gone or the email is another account's username or email.
   */
  async setClaims(id: string, claims: UserClaims, at: number): Promise<'ok' | 'not-found' | 'conflict'> {
    const email = claims.email ?? null;
    if (email !== null) {
      const taken = await this.db
        .prepare('SELECT 1 FROM users WHERE (email = ?2 OR username = ?2) AND id != ?1 LIMIT 1')
        .bind(id, email)
        .first();
      if (taken) return 'conflict';
    }
    try {
      const res = await this.db.prepare('UPDATE users SET claims = ?, email = ?, updated_at = ? WHERE id = ?').bind(JSON.stringify(claims), email, at, id).run();
      return res.meta.changes > 0 ? 'ok' : 'not-found';
    } catch (err) {
      if (/UNIQUE/i.test(String(err))) return 'conflict';
      throw err;
    }
  }

  /** The passkey offer after a password sign-in is not shown again before `after`. */
  async postponePasskeyPrompt(id: string, after: number): Promise<void> {
    await this.db.prepare('UPDATE users SET passkey_prompt_after = ? WHERE id = ?').bind(after, id).run();
  }

  /**
   * An operator's password reset: the new hash, and the user's sessions end (one batch). Grants
   * stay (relying parties keep their refresh tokens). False for an unknown user.
   */
  async resetPassword(id: string, hash: string, at: number): Promise<boolean> {
    const [res] = await this.db.batch([
      this.db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?').bind(hash, at, id),
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').bind(id),
    ]);
    return res!.meta.changes > 0;
  }

  /** Grants or removes the user's role; false for an unknown user. */
  async setRole(id: string, role: UserRole | null, at: number): Promise<boolean> {
    const res = await this.db.prepare('UPDATE users SET role = ?, updated_at = ? WHERE id = ?').bind(role, at, id).run();
    return res.meta.changes > 0;
  }

  /**
   * Disables the account in one batch: sign-in is refused from now on, its sessions end and its
   * grants are revoked (their access and refresh tokens stop working). Enabling clears the mark
   * only. False for an unknown user.
   */
  async setDisabled(id: string, disabled: boolean, at: number): Promise<boolean> {
    if (!disabled) {
      const res = await this.db.prepare('UPDATE users SET disabled_at = NULL WHERE id = ?').bind(id).run();
      return res.meta.changes > 0;
    }
    const [res] = await this.db.batch([
      this.db.prepare('UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?').bind(at, id),
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').bind(id),
      this.db.prepare('UPDATE grants SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').bind(at, id),
    ]);
    return res!.meta.changes > 0;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM users WHERE id = ?').bind(id).run();
    return res.meta.changes > 0;
  }
}
