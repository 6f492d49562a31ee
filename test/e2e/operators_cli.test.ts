// Operators' CLI commands against a real `wrangler dev`: `audit list` and `users … --claim`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, test } from 'vitest';
import { ROOT } from './helpers/wrangler';

const baseUrl = inject('baseUrl');
const run = promisify(execFile);
const cli = async (...args: string[]) =>
  (await run(process.execPath, ['scripts/admin.mjs', '--issuer', baseUrl, ...args], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: inject('adminToken') } })).stdout;

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('admin CLI: audit list', () => {
  test('a client created by the CLI is listed once, as JSON and as a table; --type, --since and --limit filter', async () => {
    const since = new Date(Date.now() - 2000).toISOString();
    const created = JSON.parse(await cli('clients', 'create', '--name', 'Audited', '--redirect-uri', 'https://rp.example.test/cb', '--json'));
    const list = await eventually(
      async () => JSON.parse(await cli('audit', 'list', '--type', 'client.created', '--since', since, '--json')) as { events: { subject: string; actor: string; outcome: string }[] },
      (l) => l.events.some((e) => e.subject === created.client_id),
    );
    const mine = list.events.filter((e) => e.subject === created.client_id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ actor: 'admin-token', outcome: 'success' });
    expect(JSON.stringify(list)).not.toContain(created.client_secret);

    const table = await cli('audit', 'list', '--type', 'client.created', '--limit', '1');
    expect(table).toMatch(/^TIME\s+TYPE\s+OUTCOME\s+ACTOR\s+SUBJECT/);
    expect(table).toContain('client.created');
    expect(JSON.parse(await cli('audit', 'list', '--since', '2999-01-01T00:00:00Z', '--json')).events).toEqual([]);
  });

  test('bad flags are refused before any request', async () => {
    await expect(cli('audit', 'list', '--since', 'yesterday')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--since must be an ISO 8601 date-time') });
  });
});

describe('admin CLI: standard claims (--claim)', () => {
  test('users create and update set any §5.1 claim, address as JSON; NAME= removes one', async () => {
    const username = `claims${Date.now().toString(36)}`;
    const created = JSON.parse(
      await cli('users', 'create', '--username', username, '--password', 'a long enough passphrase', '--claim', 'phone_number=+1 202 555 0100', '--claim', 'address={"locality":"Paris","country":"FR"}', '--claim', 'nickname=Ada', '--json'),
    );
    expect(created.claims).toMatchObject({ phone_number: '+1 202 555 0100', address: { locality: 'Paris', country: 'FR' }, nickname: 'Ada' });
    const updated = JSON.parse(await cli('users', 'update', created.id, '--claim', 'nickname=', '--claim', 'birthdate=1815-12-10', '--claim', 'phone_number_verified=true', '--json'));
    expect(updated.claims.nickname).toBeUndefined();
    expect(updated.claims).toMatchObject({ birthdate: '1815-12-10', phone_number_verified: true });
    expect(updated.updated_at).toBeGreaterThanOrEqual(created.updated_at);
  });

  test('an unknown claim or a bad address is refused before any request; a bad format by the OP', async () => {
    await expect(cli('users', 'update', 'u1', '--claim', 'roles=admin')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('not a standard claim') });
    await expect(cli('users', 'update', 'u1', '--claim', 'address=Paris')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('JSON object') });
    const username = `claimsbad${Date.now().toString(36)}`;
    const created = JSON.parse(await cli('users', 'create', '--username', username, '--password', 'a long enough passphrase', '--json'));
    await expect(cli('users', 'update', created.id, '--claim', 'birthdate=yesterday')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('birthdate must be') });
  });
});
