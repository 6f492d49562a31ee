import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { InvalidRequest } from '../../errors';
import { AuditRepository, type StoredAuditEvent } from '../../storage/audit_events';

/** The audit trail, newest first, with filters and a cursor (docs/admin-api.md "Audit trail"). */
export const adminAudit = new Hono<AppEnv>();

export const auditJson = (e: StoredAuditEvent) => ({
  id: e.id,
  at: e.at,
  type: e.type,
  actor: e.actor,
  ip: e.ip,
  request_id: e.requestId,
  subject: e.subject,
  outcome: e.outcome,
  details: e.details ?? {},
});

/** A time: Unix seconds or an ISO 8601 date-time. */
function time(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (/^\d{1,12}$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) throw new InvalidRequest(`${name} must be Unix seconds or an ISO 8601 date-time`);
  return Math.floor(ms / 1000);
}

function text(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > 512) throw new InvalidRequest(`${name} is too long`);
  return raw;
}

adminAudit.get('/', async (c) => {
  const q = c.req.query();
  const limitRaw = q.limit ?? '100';
  if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new InvalidRequest('limit must be 1 to 1000');
  const cursor = q.cursor;
  if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw new InvalidRequest('cursor is not one this API returned');
  const limit = Number(limitRaw);
  const events = await new AuditRepository(c.env.DB).list({
    type: text(q.type, 'type'),
    actor: text(q.actor, 'actor'),
    subject: text(q.subject, 'subject'),
    since: time(q.since, 'since'),
    until: time(q.until, 'until'),
    before: cursor === undefined ? undefined : Number(cursor),
    limit,
  });
  const last = events.at(-1);
  return c.json({ events: events.map(auditJson), next_cursor: events.length === limit && last ? String(last.id) : null });
});
