import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { InvalidRequest } from '../../errors';
import { LogoutDeliveryRepository, type LogoutDeliveryRecord } from '../../storage/logout_deliveries';

/** The outcome of back-channel logout deliveries, newest first (docs/admin-api.md). */
export const adminLogoutDeliveries = new Hono<AppEnv>();

const json = (d: LogoutDeliveryRecord) => ({
  id: d.id,
  client_id: d.clientId,
  sid: d.sid,
  sub: d.sub,
  uri: d.uri,
  status: d.status,
  attempts: d.attempts,
  last_http_status: d.lastHttpStatus,
  last_error: d.lastError,
  created_at: d.createdAt,
  updated_at: d.updatedAt,
  next_attempt_at: d.nextAttemptAt,
});

adminLogoutDeliveries.get('/', async (c) => {
  const status = c.req.query('status');
  if (status !== undefined && !['pending', 'delivered', 'failed'].includes(status)) throw new InvalidRequest('status must be pending, delivered or failed');
  const limitRaw = c.req.query('limit') ?? '100';
  if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new InvalidRequest('limit must be 1 to 1000');
  const deliveries = await new LogoutDeliveryRepository(c.env.DB).list({ clientId: c.req.query('client_id'), status, limit: Number(limitRaw) });
  return c.json({ deliveries: deliveries.map(json) });
});
