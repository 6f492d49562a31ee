import type { Bindings } from '../env';

/** How long finished back-channel logout deliveries stay visible to the operator. */
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * Daily housekeeping of issue 5's tables: expired sessions go, and with them (and with sessions
 * ended any other way, such as a deleted user) their session_clients rows; finished logout
 * deliveries are kept for 30 days. Returns the number of rows removed per table.
 */
export async function cleanUpSessions(env: Bindings, now: number): Promise<{ sessions: number; sessionClients: number; deliveries: number }> {
  const [sessions, sessionClients, deliveries] = await env.DB.batch([
    env.DB.prepare('DELETE FROM sessions WHERE expires_at <= ?').bind(now),
    env.DB.prepare('DELETE FROM session_clients WHERE sid NOT IN (SELECT sid FROM sessions)'),
    env.DB.prepare("DELETE FROM logout_deliveries WHERE status != 'pending' AND updated_at <= ?").bind(now - DELIVERY_RETENTION_SECONDS),
  ]);
  return { sessions: sessions!.meta.changes, sessionClients: sessionClients!.meta.changes, deliveries: deliveries!.meta.changes };
}
