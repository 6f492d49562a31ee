import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ABANDONED_REGISTRATION_DAYS, DELIVERY_RETENTION_SECONDS, purgeExpired } from '../../../src/jobs/housekeeping';
import { INTERACTION_LIFETIME } from '../../../src/config';
import { MAX_DELIVERY_SECONDS } from '../../../src/logout/retry_policy';
import { ADMIN, createClient, createUser, fetchOp, obtainTokens } from '../helpers';

const count = async (table: string) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

describe('housekeeping', () => {
  it('purges expired rows in every table and leaves live ones, so the tables shrink after expiry', { timeout: 30_000 }, async () => {
    const client = await createClient({ grant_types: ['authorization_code', 'refresh_token'], first_party: true });
    const user = await createUser();
    await obtainTokens({ client, user, scope: 'openid offline_access' });
    const now = Math.floor(Date.now() / 1000);
    const past = now - 10;
    const db = env.DB;
    for (let i = 0; i < 30; i++) {
      await db.batch([
        db.prepare('INSERT INTO sessions (id_hash, sid, user_id, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').bind(`old-s-${i}`, `old-sid-${i}`, user.id, past, past, past),
        db.prepare('INSERT INTO interactions (id, client_id, params, csrf_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').bind(`old-i-${i}`, client.client_id, '{}', 'x', past, past),
        db.prepare('INSERT INTO grants (id, client_id, user_id, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').bind(`old-g-${i}`, client.client_id, user.id, 'openid', past, past),
        db.prepare('INSERT INTO refresh_token_families (id, grant_id, client_id, generation, issued_at, expires_at) VALUES (?, ?, ?, 3, ?, ?)').bind(`old-rt-${i}`, `old-g-${i}`, client.client_id, past, past),
        db.prepare('INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)').bind(`old-jti-${i}`, past),
        db.prepare('INSERT INTO used_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)').bind(client.client_id, `old-a-${i}`, past),
      ]);
    }
    const tables = ['sessions', 'interactions', 'grants', 'revoked_access_tokens', 'used_assertions'];
    const before = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)));
    const { deleted, finished } = await purgeExpired(db, now);
    expect(finished).toBe(true);
    for (const t of tables) {
      expect(deleted[t]).toBeGreaterThanOrEqual(30);
      expect(await count(t)).toBeLessThan(before[t]!);
    }
    // The live session, grant and refresh token of the real sign-in are still there.
    expect(await count('sessions')).toBeGreaterThanOrEqual(1);
    expect(await count('grants')).toBeGreaterThanOrEqual(1);
    expect(await count('refresh_token_families')).toBeGreaterThanOrEqual(1);
    // Families of purged grants went with them (ON DELETE CASCADE).
    expect((await db.prepare("SELECT COUNT(*) AS n FROM refresh_token_families WHERE id LIKE 'old-rt-%'").first<{ n: number }>())!.n).toBe(0);
    // Nothing expired is left behind.
    expect((await db.prepare('SELECT COUNT(*) AS n FROM grants WHERE expires_at <= ?').bind(now).first<{ n: number }>())!.n).toBe(0);
  });

  it('keeps an expired pushed request for an interaction lifetime (its sign-in may still end), then purges it', async () => {
    const client = await createClient();
    const now = Math.floor(Date.now() / 1000);
    const db = env.DB;
    const tag = crypto.randomUUID();
    const insert = (id: string, expiresAt: number) => db.prepare('INSERT INTO pushed_requests (id, client_id, params, expires_at) VALUES (?, ?, ?, ?)').bind(`${tag}-${id}`, client.client_id, '[]', expiresAt);
    await db.batch([insert('recent', now - 60), insert('old', now - INTERACTION_LIFETIME - 1)]);
    await purgeExpired(db, now);
    const left = await db.prepare('SELECT id FROM pushed_requests WHERE id LIKE ?').bind(`${tag}-%`).all<{ id: string }>();
    expect(left.results.map((r) => r.id)).toEqual([`${tag}-recent`]);
  });

  it('clears a backlog larger than one batch in one run (25,000 expired rows per table)', { timeout: 120_000 }, async () => {
    const client = await createClient();
    const user = await createUser();
    const now = Math.floor(Date.now() / 1000);
    const past = now - 10;
    const db = env.DB;
    const N = 25_000;
    const series = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})`;
    const tag = crypto.randomUUID();
    await db.batch([
      db.prepare(`INSERT INTO interactions (id, client_id, params, csrf_hash, created_at, expires_at) ${series} SELECT '${tag}-i-' || i, ?1, '{}', 'x', ?2, ?2 FROM n`).bind(client.client_id, past),
      db.prepare(`INSERT INTO sessions (id_hash, sid, user_id, auth_time, created_at, expires_at) ${series} SELECT '${tag}-h-' || i, '${tag}-s-' || i, ?1, ?2, ?2, ?2 FROM n`).bind(user.id, past),
      db.prepare(`INSERT INTO session_clients (sid, client_id, first_at, last_at) ${series} SELECT '${tag}-s-' || i, ?1, ?2, ?2 FROM n`).bind(client.client_id, past),
      db.prepare(`INSERT INTO revoked_access_tokens (jti, expires_at) ${series} SELECT '${tag}-j-' || i, ?1 FROM n`).bind(past),
    ]);
    expect(await count('interactions')).toBeGreaterThanOrEqual(N);
    const { deleted, finished } = await purgeExpired(db, now);
    expect(finished).toBe(true);
    expect(deleted.interactions).toBeGreaterThanOrEqual(N);
    expect(deleted.sessions).toBeGreaterThanOrEqual(N);
    expect(deleted.revoked_access_tokens).toBeGreaterThanOrEqual(N);
    for (const [table, column] of [['interactions', 'id'], ['sessions', 'sid'], ['session_clients', 'sid'], ['revoked_access_tokens', 'jti']] as const) {
      expect((await db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} LIKE ?`).bind(`${tag}-%`).first<{ n: number }>())!.n, table).toBe(0);
    }
  });

  it('stops at its time budget and the next run resumes where it stopped', async () => {
    const now = Math.floor(Date.now() / 1000);
    const db = env.DB;
    const tag = crypto.randomUUID();
    await db.prepare(`INSERT INTO revoked_access_tokens (jti, expires_at) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT '${tag}-' || i, ?1 FROM n`).bind(now - 10).run();
    // A clock that moves 1 s per statement, with a budget of 15.5 s: at most 15 statements per run,
    // fewer than the 10 batches of 100 rows this backlog takes plus one statement per other purge.
    const tick = () => {
      let t = 0;
      return () => (t += 1000);
    };
    const left = async () => (await db.prepare('SELECT COUNT(*) AS n FROM revoked_access_tokens WHERE jti LIKE ?').bind(`${tag}-%`).first<{ n: number }>())!.n;
    let runs = 0;
    let report;
    do {
      report = await purgeExpired(db, now, { batch: 100, budgetMs: 15_500, clock: tick() });
      runs++;
    } while (!report.finished && runs < 50);
    expect(runs).toBeGreaterThan(1);
    expect(report.finished).toBe(true);
    expect(await left()).toBe(0);
  });

  it('marks deliveries still pending after their retry window failed, deletes finished ones after 30 days', async () => {
    const client = await createClient();
    const now = Math.floor(Date.now() / 1000);
    const delivery = (id: string, status: string, at: number) =>
      env.DB.prepare("INSERT INTO logout_deliveries (id, client_id, sub, uri, status, created_at, updated_at) VALUES (?, ?, 'u', 'https://x', ?, ?, ?)").bind(`${client.client_id}-${id}`, client.client_id, status, at, at).run();
    await delivery('old-done', 'delivered', now - DELIVERY_RETENTION_SECONDS - 10);
    await delivery('stuck', 'pending', now - MAX_DELIVERY_SECONDS - 7200);
    await delivery('in-flight', 'pending', now - 60);
    await delivery('new-failed', 'failed', now - 60);
    await purgeExpired(env.DB, now);
    const rows = (await env.DB.prepare('SELECT id, status FROM logout_deliveries WHERE client_id = ? ORDER BY id').bind(client.client_id).all<{ id: string; status: string }>()).results;
    expect(rows.map((r) => [r.id.slice(client.client_id.length + 1), r.status])).toEqual([['in-flight', 'pending'], ['new-failed', 'failed'], ['stuck', 'failed']]);
  });

  it("a session's client list goes with the session (expiry, logout, deleted user); live ones stay", async () => {
    const user = await createUser();
    const other = await createUser();
    const client = await createClient();
    const now = Math.floor(Date.now() / 1000);
    const session = (sid: string, userId: string, expires: number) =>
      env.DB.batch([
        env.DB.prepare('INSERT INTO sessions (id_hash, sid, user_id, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').bind(`h-${sid}`, sid, userId, now, now, expires),
        env.DB.prepare('INSERT INTO session_clients (sid, client_id, first_at, last_at) VALUES (?, ?, ?, ?)').bind(sid, client.client_id, now, now),
      ]);
    const tag = crypto.randomUUID();
    await session(`${tag}-live`, user.id, now + 3600);
    await session(`${tag}-dead`, user.id, now - 1);
    await session(`${tag}-deleted-user`, other.id, now + 3600);
    expect((await fetchOp(`/admin/users/${other.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    await purgeExpired(env.DB, now);
    const sids = (await env.DB.prepare('SELECT sid FROM session_clients WHERE client_id = ? ORDER BY sid').bind(client.client_id).all<{ sid: string }>()).results.map((r) => r.sid);
    expect(sids).toEqual([`${tag}-live`]);
  });

  it('with REGISTRATION=open, deletes dynamically registered clients unused for 30 days, and no other client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = now - (ABANDONED_REGISTRATION_DAYS + 1) * 86400;
    const user = await createUser();
    const mk = async (registered: boolean, createdAt: number, grantTypes = '["authorization_code"]') => {
      const c = await createClient();
      await env.DB.prepare('UPDATE clients SET registration_token_hash = ?, created_at = ?, grant_types = ? WHERE id = ?').bind(registered ? 'h' : null, createdAt, grantTypes, c.client_id).run();
      return c.client_id;
    };
    const abandoned = await mk(true, old);
    const recent = await mk(true, now - 86400);
    const byAdmin = await mk(false, old);
    const machine = await mk(true, old, '["client_credentials"]');
    const used = await mk(true, old);
    await env.DB.prepare('INSERT INTO consents (user_id, client_id, scopes, updated_at) VALUES (?, ?, ?, ?)').bind(user.id, used, 'openid', now).run();
    const exists = async (id: string) => (await env.DB.prepare('SELECT 1 FROM clients WHERE id = ?').bind(id).first()) !== null;

    await purgeExpired(env.DB, now, { registration: 'token' });
    expect(await exists(abandoned)).toBe(true);
    const { deleted } = await purgeExpired(env.DB, now, { registration: 'open' });
    expect(deleted.abandoned_registrations).toBeGreaterThanOrEqual(1);
    expect(await exists(abandoned)).toBe(false);
    for (const id of [recent, byAdmin, machine, used]) expect(await exists(id), id).toBe(true);
  });

  it('consents of deleted users and clients go with them (ON DELETE CASCADE)', async () => {
    const user = await createUser();
    const client = await createClient();
    const other = await createClient();
    const now = Math.floor(Date.now() / 1000);
    for (const c of [client.client_id, other.client_id]) {
      await env.DB.prepare('INSERT INTO consents (user_id, client_id, scopes, updated_at) VALUES (?, ?, ?, ?)').bind(user.id, c, 'openid', now).run();
    }
    expect((await fetchOp(`/admin/clients/${client.client_id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect(await env.DB.prepare('SELECT 1 FROM consents WHERE client_id = ?').bind(client.client_id).first()).toBeNull();
    expect((await fetchOp(`/admin/users/${user.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect(await env.DB.prepare('SELECT 1 FROM consents WHERE user_id = ?').bind(user.id).first()).toBeNull();
  });
});
