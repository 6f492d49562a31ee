import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { purgeExpired } from '../../../src/jobs/housekeeping';
import { createClient, createUser, obtainTokens } from '../helpers';

const count = async (table: string) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

describe('housekeeping', () => {
  it('purges expired rows in every table and leaves live ones, so the tables shrink after expiry', async () => {
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
        db.prepare('INSERT INTO refresh_tokens (id_hash, grant_id, client_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)').bind(`old-rt-${i}`, `old-g-${i}`, client.client_id, past, past),
        db.prepare('INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)').bind(`old-jti-${i}`, past),
        db.prepare('INSERT INTO used_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)').bind(client.client_id, `old-a-${i}`, past),
      ]);
    }
    const tables = ['sessions', 'interactions', 'grants', 'refresh_tokens', 'revoked_access_tokens', 'used_assertions'];
    const before = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)));
    const deleted = await purgeExpired(db, now);
    for (const t of tables) {
      expect(deleted[t]).toBeGreaterThanOrEqual(30);
      expect(await count(t)).toBeLessThan(before[t]!);
    }
    // The live session, grant and refresh token of the real sign-in are still there.
    expect(await count('sessions')).toBeGreaterThanOrEqual(1);
    expect(await count('grants')).toBeGreaterThanOrEqual(1);
    expect(await count('refresh_tokens')).toBeGreaterThanOrEqual(1);
    // Nothing expired is left behind.
    expect((await db.prepare('SELECT COUNT(*) AS n FROM grants WHERE expires_at <= ?').bind(now).first<{ n: number }>())!.n).toBe(0);
  });
});
