// `npm run deploy:check` against good and broken configurations (issue 15). The checks that need the
// Cloudflare account (secrets, remote migrations) are driven through a stand-in for the wrangler call.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
// @ts-expect-error plain ESM script without types
import { check, parseToml } from '../../scripts/deploy_check.mjs';
import { ROOT } from './helpers/wrangler';

type Result = { status: string; what: string };
const dir = mkdtempSync(join(tmpdir(), 'deploy-check-'));
const REAL_D1 = '3f2a9c1e-5b7d-4e2a-9f01-6c8b7a5d4e32';
const REAL_KV = '9d8c7b6a5f4e3d2c1b0a99887766554f';

/** The repository's wrangler.toml with the production placeholders replaced (or not), written to a temp file. */
function config(edit: (toml: string) => string = (t) => t): string {
  const base = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const prod = base.indexOf('[env.production]');
  const good = base.slice(0, prod) + base.slice(prod)
    .replace('database_id = "00000000-0000-0000-0000-000000000000"', `database_id = "${REAL_D1}"`)
    .replace('id = "00000000000000000000000000000000"', `id = "${REAL_KV}"`)
    .replace('# routes = [ { pattern = "id.example.com", custom_domain = true } ]', 'routes = [ { pattern = "id.example.com", custom_domain = true } ]');
  const file = join(dir, `${crypto.randomUUID()}.toml`);
  writeFileSync(file, edit(good));
  return file;
}

/** Replaces the last occurrence (the production section comes last in wrangler.toml). */
const last = (t: string, a: string, b: string) => {
  const i = t.lastIndexOf(a);
  return t.slice(0, i) + b + t.slice(i + a.length);
};

const wranglerSays = (secrets: string[], migrations: string) => (args: string[]) =>
  args[0] === 'secret' ? JSON.stringify(secrets.map((name) => ({ name, type: 'secret_text' }))) : migrations;
const ALL_SET = wranglerSays(['ADMIN_TOKEN', 'KEY_ENCRYPTION_KEY'], '✅ No migrations to apply!');
const failures = (r: Result[]) => r.filter((x) => x.status === 'fail').map((x) => x.what);

describe('deploy:check', () => {
  test('the TOML subset parser reads wrangler.toml: environments, arrays of tables, inline tables', () => {
    const t = parseToml(readFileSync(config(), 'utf8'));
    expect(t.env.production.vars.ISSUER).toBe('https://id.example.com');
    expect(t.env.production.d1_databases[0]).toMatchObject({ binding: 'DB', database_id: REAL_D1 });
    expect(t.env.production.routes).toEqual([{ pattern: 'id.example.com', custom_domain: true }]);
    expect(t.env.production.durable_objects.bindings.map((b: { name: string }) => b.name)).toEqual(['AUTH_CODES', 'THROTTLE', 'KEY_MANAGER', 'LOGOUT_DELIVERY']);
  });

  test('a good production configuration passes, and says what it checked', () => {
    const r = check({ env: 'production', config: config(), offline: false, run: ALL_SET }) as Result[];
    expect(failures(r)).toEqual([]);
    const checked = r.map((x) => x.what).join('\n');
    for (const what of ['D1 DB', 'KV KEYS', 'ISSUER host id.example.com', 'workers_dev is off', 'preview URLs are off', 'secret ADMIN_TOKEN', 'secret KEY_ENCRYPTION_KEY', 'no D1 migration is pending']) {
      expect(checked).toContain(what);
    }
  });

  test.each([
    ['placeholder D1 id', (t: string) => t.replace(REAL_D1, '00000000-0000-0000-0000-000000000000'), /D1 database_id/],
    ['placeholder KV id', (t: string) => t.replace(REAL_KV, '00000000000000000000000000000000'), /KV namespace id/],
    ['missing ISSUER', (t: string) => last(t, 'ISSUER = "https://id.example.com"', ''), /ISSUER is set/],
    ['http ISSUER', (t: string) => last(t, 'ISSUER = "https://id.example.com"', 'ISSUER = "http://id.example.com"'), /https URL/],
    ['ISSUER not the route', (t: string) => last(t, 'ISSUER = "https://id.example.com"', 'ISSUER = "https://login.example.com"'), /matches a configured route/],
    ['no route at all', (t: string) => t.replace('routes = [ { pattern = "id.example.com", custom_domain = true } ]', ''), /add a route or custom domain/],
    ['workers_dev on', (t: string) => t.replace('workers_dev = false', 'workers_dev = true'), /workers_dev = false/],
  ])('refuses a %s', (_what, edit, message) => {
    const r = check({ env: 'production', config: config(edit), offline: false, run: ALL_SET }) as Result[];
    expect(failures(r).join('\n')).toMatch(message);
  });

  test('refuses missing secrets, pending migrations, an unreachable wrangler; --offline reports them not checked', () => {
    const missing = check({ env: 'production', config: config(), offline: false, run: wranglerSays(['ADMIN_TOKEN'], 'No migrations to apply') }) as Result[];
    expect(failures(missing)).toEqual(['secret KEY_ENCRYPTION_KEY is set']);
    const pending = check({ env: 'production', config: config(), offline: false, run: wranglerSays(['ADMIN_TOKEN', 'KEY_ENCRYPTION_KEY'], 'Migrations to be applied:\n│ 0015_audit_events.sql │') }) as Result[];
    expect(failures(pending).join('\n')).toMatch(/migrations are pending[\s\S]*0015_audit_events/);
    const unreachable = check({ env: 'production', config: config(), offline: false, run: () => { throw Object.assign(new Error('x'), { stderr: 'You are not authenticated.' }); } }) as Result[];
    expect(failures(unreachable)).toHaveLength(2);
    const offline = check({ env: 'production', config: config(), offline: true }) as Result[];
    expect(failures(offline)).toEqual([]);
    expect(offline.filter((x) => x.status === 'not checked')).toHaveLength(2);
  });

  test('the command: exit 1 and FAIL lines for the repository template (placeholders), 2 without --env', async () => {
    const run = promisify(execFile);
    const res = await run(process.execPath, ['scripts/deploy_check.mjs', '--env', 'production', '--offline'], { cwd: ROOT }).catch((e) => e);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/FAIL\s+D1 database_id/);
    expect(res.stdout).toMatch(/do not deploy/);
    const good = await run(process.execPath, ['scripts/deploy_check.mjs', '--env', 'production', '--offline', '--config', config()], { cwd: ROOT });
    expect(good.stdout).toMatch(/ready to deploy/);
    expect(good.stdout).toMatch(/SKIP\s+secrets/);
    const usage = await run(process.execPath, ['scripts/deploy_check.mjs'], { cwd: ROOT }).catch((e) => e);
    expect(usage.code).toBe(2);
  });
});
