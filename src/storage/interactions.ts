/**
 * A parked authorization request. Storage does not know the request's shape (that is the
 * authorize rules' business, and storage imports no protocol module): callers name it as `Request`.
 */
export interface Interaction<Request = unknown> {
  id: string;
  clientId: string;
  request: Request;
  csrfHash: string;
  userId: string | null;
  authenticatedAt: number | null;
  expiresAt: number;
  /** The account chosen on the select_account page: a sid, or 'new' to sign in with another one. */
  selected?: string | null;
}

interface InteractionRow {
  id: string;
  client_id: string;
  params: string;
  csrf_hash: string;
  user_id: string | null;
  authenticated_at: number | null;
  expires_at: number;
  selected: string | null;
}

/**
 * A validated authorization request parked while the user signs in or consents, when it is too large
 * for its sealed cookie (session/interaction.ts): written once, read by each page, deleted at the end.
 * The progress of the sign-in (user, chosen account) lives in the cookie.
 */
export class InteractionRepository<Request = unknown> {
  constructor(private readonly db: D1Database) {}

  async insert(i: Interaction<Request>, at: number): Promise<void> {
    await this.db
      .prepare(
        'INSERT INTO interactions (id, client_id, params, csrf_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .bind(i.id, i.clientId, JSON.stringify(i.request), i.csrfHash, at, i.expiresAt)
      .run();
  }

  async find(id: string, at: number): Promise<Interaction<Request> | null> {
    const r = await this.db
      .prepare('SELECT * FROM interactions WHERE id = ? AND expires_at > ?')
      .bind(id, at)
      .first<InteractionRow>();
    if (!r) return null;
    return {
      id: r.id,
      clientId: r.client_id,
      request: JSON.parse(r.params) as Request,
      csrfHash: r.csrf_hash,
      userId: r.user_id,
      authenticatedAt: r.authenticated_at,
      expiresAt: r.expires_at,
      selected: r.selected,
    };
  }

  async delete(id: string): Promise<void> {
    await this.db.prepare('DELETE FROM interactions WHERE id = ?').bind(id).run();
  }
}
