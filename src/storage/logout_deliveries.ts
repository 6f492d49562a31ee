export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface LogoutDeliveryRecord {
  id: string;
  clientId: string;
  sid: string | null;
  sub: string;
  uri: string;
  status: DeliveryStatus;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  nextAttemptAt: number | null;
}

interface Row {
  id: string;
  client_id: string;
  sid: string | null;
  sub: string;
  uri: string;
  status: DeliveryStatus;
  attempts: number;
  last_http_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  next_attempt_at: number | null;
}

const fromRow = (r: Row): LogoutDeliveryRecord => ({
  id: r.id,
  clientId: r.client_id,
  sid: r.sid,
  sub: r.sub,
  uri: r.uri,
  status: r.status,
  attempts: r.attempts,
  lastHttpStatus: r.last_http_status,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  nextAttemptAt: r.next_attempt_at,
});

/** The outcome of every back-channel logout delivery, for the operator (GET /admin/logout-deliveries). */
export class LogoutDeliveryRepository {
  constructor(private readonly db: D1Database) {}

  async insert(d: Pick<LogoutDeliveryRecord, 'id' | 'clientId' | 'sid' | 'sub' | 'uri' | 'createdAt'>): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO logout_deliveries (id, client_id, sid, sub, uri, status, attempts, created_at, updated_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?6) ON CONFLICT (id) DO NOTHING`,
      )
      .bind(d.id, d.clientId, d.sid, d.sub, d.uri, d.createdAt)
      .run();
  }

  async recordAttempt(
    id: string,
    u: { status: DeliveryStatus; attempts: number; httpStatus: number | null; error: string | null; at: number; nextAttemptAt: number | null },
  ): Promise<void> {
    await this.db
      .prepare('UPDATE logout_deliveries SET status = ?, attempts = ?, last_http_status = ?, last_error = ?, updated_at = ?, next_attempt_at = ? WHERE id = ?')
      .bind(u.status, u.attempts, u.httpStatus, u.error, u.at, u.nextAttemptAt, id)
      .run();
  }

  async list(filter: { clientId?: string; status?: string; limit: number }): Promise<LogoutDeliveryRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.clientId) {
      where.push('client_id = ?');
      values.push(filter.clientId);
    }
    if (filter.status) {
      where.push('status = ?');
      values.push(filter.status);
    }
    const { results } = await this.db
      .prepare(`SELECT * FROM logout_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ?`)
      .bind(...values, filter.limit)
      .all<Row>();
    return results.map(fromRow);
  }
}
