import { Hono } from 'hono';
import { AuditPage } from '../../views/console';
import { renderPage } from '../../views/render';
import { callAdmin, frame, type ConsoleEnv } from './types';

/** Console: the audit trail, newest first, with the admin API's filters and cursor. */
export const consoleAudit = new Hono<ConsoleEnv>();

const FILTERS = ['type', 'actor', 'subject', 'since', 'until'] as const;

consoleAudit.get('/', async (c) => {
  const filters: Record<string, string> = {};
  for (const name of FILTERS) {
    const v = (c.req.query(name) ?? '').trim();
    if (v) filters[name] = v.slice(0, 512);
  }
  const cursor = c.req.query('cursor');
  const q = new URLSearchParams({ ...filters, limit: '50', ...(cursor ? { cursor } : {}) });
  const a = await callAdmin(c, 'GET', `/audit?${q}`);
  const error = a.status === 200 ? undefined : String(a.body.error_description ?? 'the filters are not valid');
  const events = a.status === 200 ? ((a.body.events as Record<string, unknown>[] | undefined) ?? []) : [];
  const next = typeof a.body.next_cursor === 'string' ? `/admin/console/audit?${new URLSearchParams({ ...filters, cursor: a.body.next_cursor })}` : null;
  const first = cursor ? `/admin/console/audit?${new URLSearchParams(filters)}` : null;
  return renderPage(c, <AuditPage {...frame(c, 'Audit trail', 'audit', { error })} events={events} filters={filters} next={next} first={first} />, error ? 400 : 200);
});
