import type { Bindings } from '../env';

/** How long finished back-channel logout deliveries stay visible to the operator. */
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * Daily housekeeping of issue 5's tables, after housekeeping.ts has purged expired sessions: the
 * session_clients rows of sessions that are gone (expired, or ended with a deleted user) go, and
 * finished logout deliveries are kept for 30 days. Returns the number of rows removed per table.
 */
export async function cleanUpSessions(env: Bindings, now: number): Promise<{ sessionClients: number; deliveries: number }> {
  const [sessionClients, deliveries] = await env.DB.batch([
    env.DB.prepare('DELETE FROM session_clients WHERE sid NOT IN (SELECT sid FROM sessions)'),
    env.DB.prepare("DELETE FROM logout_deliveries WHERE status != 'pending' AND updated_at <= ?").bind(now - DELIVERY_RETENTION_SECONDS),
  ]);
  return { sessionClients: sessionClients!.meta.changes, deliveries: deliveries!.meta.changes };
}
