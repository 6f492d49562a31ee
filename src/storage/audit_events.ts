/** The audit trail (`audit_events`, migration 0015): append-only, read newest first. */

export interface AuditEvent {
  at: number;
  type: string;
  actor: string;
  ip: string | null;
  requestId: string | null;
  subject: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
}

export interface StoredAuditEvent extends AuditEvent {
  id: number;
}

export interface AuditQuery {
  type?: string;
  actor?: string;
  subject?: string;
  since?: number;
  until?: number;
  /** Only events with a smaller id (the cursor of the previous page). */
  before?: number;
  limit: number;
}

interface Row {
  id: number;
  at: number;
  type: string;
  actor: string;
  ip: string | null;
  request_id: string | null;
  subject: string | null;
  outcome: string;
  details: string | null;
}

const INSERT = 'INSERT INTO audit_events (at, type, actor, ip, request_id, subject, outcome, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

export class AuditRepository {
  constructor(private readonly db: D1Database) {}

  insertStatement(e: AuditEvent): D1PreparedStatement {
    return this.db.prepare(INSERT).bind(e.at, e.type, e.actor, e.ip, e.requestId, e.subject, e.outcome, e.details ? JSON.stringify(e.details) : null);
  }

  /** Every event of a request in one batch (one round trip). */
  async insertAll(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.batch(events.map((e) => this.insertStatement(e)));
  }

  async list(q: AuditQuery): Promise<StoredAuditEvent[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      where.push(sql);
      args.push(v);
    };
    if (q.type !== undefined) add('type = ?', q.type);
    if (q.actor !== undefined) add('actor = ?', q.actor);
    if (q.subject !== undefined) add('subject = ?', q.subject);
    if (q.since !== undefined) add('at >= ?', q.since);
    if (q.until !== undefined) add('at <= ?', q.until);
    if (q.before !== undefined) add('id < ?', q.before);
    const sql = `SELECT * FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const { results } = await this.db.prepare(sql).bind(...args, q.limit).all<Row>();
    return results.map((r) => ({
      id: r.id,
      at: r.at,
      type: r.type,
      actor: r.actor,
      ip: r.ip,
      requestId: r.request_id,
      subject: r.subject,
      outcome: r.outcome,
      details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    }));
  }
}
