/** A registered WebAuthn credential (migration 0012, docs/storage-schema.md). */
export interface Passkey {
  /** The credential ID, base64url. */
  id: string;
  userId: string;
  /** The WebAuthn user.id (base64url) given at registration. */
  userHandle: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  suspectedCloneAt: number | null;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  user_handle: string;
  public_key: string;
  counter: number;
  transports: string;
  device_type: string;
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
  suspected_clone_at: number | null;
}

const fromRow = (r: PasskeyRow): Passkey => ({
  id: r.id,
  userId: r.user_id,
  userHandle: r.user_handle,
  publicKey: r.public_key,
  counter: r.counter,
  transports: JSON.parse(r.transports) as string[],
  deviceType: r.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
  backedUp: r.backed_up === 1,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  suspectedCloneAt: r.suspected_clone_at,
});

export class PasskeyRepository {
  constructor(private readonly db: D1Database) {}

  /** False when this credential ID is already registered (to anyone). */
  async insert(p: Passkey): Promise<boolean> {
    const res = await this.db
      .prepare(
        `INSERT INTO passkeys (id, user_id, user_handle, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .bind(p.id, p.userId, p.userHandle, p.publicKey, p.counter, JSON.stringify(p.transports), p.deviceType, p.backedUp ? 1 : 0, p.name, p.createdAt, p.lastUsedAt)
      .run();
    return res.meta.changes > 0;
  }

  async find(id: string): Promise<Passkey | null> {
    const row = await this.db.prepare('SELECT * FROM passkeys WHERE id = ?').bind(id).first<PasskeyRow>();
    return row ? fromRow(row) : null;
  }

  async hasAny(userId: string): Promise<boolean> {
    return (await this.db.prepare('SELECT 1 AS x FROM passkeys WHERE user_id = ? LIMIT 1').bind(userId).first()) !== null;
  }

  async listForUser(userId: string): Promise<Passkey[]> {
    const { results } = await this.db.prepare('SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id').bind(userId).all<PasskeyRow>();
    return results.map(fromRow);
  }

  /**
   * Records a verified use: only if the stored counter is still `previous` (two parallel uses of
   * one counter cannot both pass) and the passkey is not marked as a suspected clone.
   */
  async recordUse(id: string, previous: number, counter: number, backedUp: boolean, at: number): Promise<boolean> {
    const res = await this.db
      .prepare('UPDATE passkeys SET counter = ?, backed_up = ?, last_used_at = ? WHERE id = ? AND counter = ? AND suspected_clone_at IS NULL')
      .bind(counter, backedUp ? 1 : 0, at, id, previous)
      .run();
    return res.meta.changes > 0;
  }

  async markSuspectedClone(id: string, at: number): Promise<void> {
    await this.db.prepare('UPDATE passkeys SET suspected_clone_at = COALESCE(suspected_clone_at, ?) WHERE id = ?').bind(at, id).run();
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    const res = await this.db.prepare('UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?').bind(name, id, userId).run();
    return res.meta.changes > 0;
  }

  /**
   * Removes one of the user's passkeys. With `keepOne`, the last passkey of the user is not removed
   * (an account without a password would be left with no way in): one statement, so two parallel
   * removals cannot both pass the check.
   */
  async delete(userId: string, id: string, keepOne = false): Promise<boolean> {
    const sql = keepOne
      ? 'DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2 AND (SELECT COUNT(*) FROM passkeys WHERE user_id = ?2) > 1'
      : 'DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2';
    const res = await this.db.prepare(sql).bind(id, userId).run();
    return res.meta.changes > 0;
  }
}

/** A pending WebAuthn challenge (single use). */
export interface WebAuthnChallenge {
  challenge: string;
  binding: string;
  purpose: 'register' | 'authenticate';
  userId: string | null;
  userHandle: string | null;
  userVerification: 'preferred' | 'required';
  expiresAt: number;
}

interface ChallengeRow {
  challenge: string;
  binding: string;
  purpose: string;
  user_id: string | null;
  user_handle: string | null;
  user_verification: string;
  expires_at: number;
}

export class WebAuthnChallengeRepository {
  constructor(private readonly db: D1Database) {}

  async insert(c: WebAuthnChallenge): Promise<void> {
    await this.db
      .prepare('INSERT INTO webauthn_challenges (challenge, binding, purpose, user_id, user_handle, user_verification, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .bind(c.challenge, c.binding, c.purpose, c.userId, c.userHandle, c.userVerification, c.expiresAt)
      .run();
  }

  /**
   * Takes a challenge: deletes it and returns it in one statement, so it is used at most once,
   * and only for what it was issued for (binding, purpose) and while it is live.
   */
  async consume(challenge: string, binding: string, purpose: WebAuthnChallenge['purpose'], at: number): Promise<WebAuthnChallenge | null> {
    const r = await this.db
      .prepare('DELETE FROM webauthn_challenges WHERE challenge = ? AND binding = ? AND purpose = ? RETURNING *')
      .bind(challenge, binding, purpose)
      .first<ChallengeRow>();
    if (!r || r.expires_at <= at) return null;
    return {
      challenge: r.challenge,
      binding: r.binding,
      purpose: r.purpose === 'register' ? 'register' : 'authenticate',
      userId: r.user_id,
      userHandle: r.user_handle,
      userVerification: r.user_verification === 'required' ? 'required' : 'preferred',
      expiresAt: r.expires_at,
    };
  }

  async purgeExpired(at: number): Promise<number> {
    const res = await this.db.prepare('DELETE FROM webauthn_challenges WHERE expires_at <= ?').bind(at).run();
    return res.meta.changes;
  }
}
