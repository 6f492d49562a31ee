import { describe, expect, it } from 'vitest';
import { purgeExpired } from '../../../src/jobs/housekeeping';
import { cleanUpSessions, DELIVERY_RETENTION_SECONDS } from '../../../src/jobs/session_cleanup';
import { createClient, createUser, env } from '../helpers';

describe('session clean-up (daily cron)', () => {
  it('after housekeeping purges expired sessions: removes their session_clients and old finished deliveries, and nothing else', async () => {
    const user = await createUser();
    const client = await createClient();
    const now = Math.floor(Date.now() / 1000);
    const insert = (sid: string, expires: number) =>
      env.DB.prepare("INSERT INTO sessions (id_hash, sid, user_id, auth_time, amr, created_at, expires_at) VALUES (?, ?, ?, ?, '[\"pwd\"]', ?, ?)").bind(`h-${sid}`, sid, user.id, now, now, expires).run();
    await insert('live-sid', now + 3600);
    await insert('dead-sid', now - 1);
    for (const sid of ['live-sid', 'dead-sid', 'gone-sid']) {
      await env.DB.prepare('INSERT INTO session_clients (sid, client_id, first_at, last_at) VALUES (?, ?, ?, ?)').bind(sid, client.client_id, now, now).run();
    }
    const delivery = (id: string, status: string, updated: number) =>
      env.DB.prepare("INSERT INTO logout_deliveries (id, client_id, sub, uri, status, created_at, updated_at) VALUES (?, ?, 'u', 'https://x', ?, ?, ?)").bind(id, client.client_id, status, updated, updated).run();
    await delivery('old-done', 'delivered', now - DELIVERY_RETENTION_SECONDS - 10);
    await delivery('old-pending', 'pending', now - DELIVERY_RETENTION_SECONDS - 10);
    await delivery('new-failed', 'failed', now - 60);

    await purgeExpired(env.DB, now);
    const removed = await cleanUpSessions(env, now);
    expect(removed.sessionClients).toBeGreaterThanOrEqual(2);
    const sids = (await env.DB.prepare('SELECT sid FROM session_clients WHERE client_id = ? ORDER BY sid').bind(client.client_id).all<{ sid: string }>()).results.map((r) => r.sid);
    expect(sids).toEqual(['live-sid']);
    const ids = (await env.DB.prepare('SELECT id FROM logout_deliveries WHERE client_id = ? ORDER BY id').bind(client.client_id).all<{ id: string }>()).results.map((r) => r.id);
    expect(ids).toEqual(['new-failed', 'old-pending']);
    expect(await env.DB.prepare("SELECT sid FROM sessions WHERE sid = 'live-sid'").first()).not.toBeNull();
  });
});
