// The admin console in a real browser (Chromium through playwright-core, no JavaScript needed by
// the pages): an admin (role granted with the CLI) signs in, creates a client, rotates a signing
// key, disables a user and reads the audit trail; a non-admin gets 403. Screenshots of every page
// go to test-results/screenshots/console-*.png (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, adminCli, unique, type TestUser } from './helpers/admin';
import { CHROMIUM_ARGS, chromiumOrSkip } from './helpers/chromium';
import { ROOT } from './helpers/wrangler';

const baseUrl = inject('baseUrl');
const admin = new Admin();
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const CHROMIUM = chromiumOrSkip();

let context: BrowserContext;
let profile: string;

describe.skipIf(!CHROMIUM)('admin console in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'oidc-console-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1200, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });

  async function signIn(page: Page, user: TestUser): Promise<number> {
    await page.goto(`${baseUrl}/admin/console`);
    await expect.poll(() => page.title()).toBe('Admin console sign-in');
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/admin/console/login') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.waitForLoadState();
    return response.status();
  }

  test('an admin signs in, creates a client, rotates a key, disables a user and reads the audit trail', async () => {
    const operator = await admin.createUser();
    // The role is granted by the CLI, as the README says.
    expect(await adminCli('users', 'update', operator.id, '--role', 'admin')).toContain('role:');
    const victim = await admin.createUser();
    await fetch(`${baseUrl}/jwks`); // the key set exists before the keys page is opened

    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin/console/clients`);
    await expect.poll(() => page.url()).toBe(`${baseUrl}/admin/console/login`);
    await shot(page, '01-sign-in');
    expect(await signIn(page, operator)).toBe(303);
    await expect.poll(() => page.title()).toBe('Clients · Admin console');
    await shot(page, '02-clients');

    // Create a client.
    const name = unique('Console client');
    await page.getByRole('link', { name: 'New client' }).click();
    await expect.poll(() => page.title()).toBe('New client · Admin console');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Redirect URIs (one per line, exact match)').fill('https://rp.example.com/callback');
    await page.getByLabel('refresh_token', { exact: true }).check();
    await shot(page, '03-new-client');
    await page.getByRole('button', { name: 'Create client' }).click();
    await expect.poll(() => page.locator('#client-secret').count()).toBe(1);
    const secret = (await page.locator('#client-secret').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await shot(page, '04-client-created');
    const { clients } = await admin.request<{ clients: { client_id: string; client_name: string; grant_types: string[] }[] }>('GET', '/admin/clients');
    const made = clients.find((c) => c.client_name === name)!;
    expect(made.grant_types).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));

    // Rotate the RS256 key (the confirmation box is required).
    const before = await admin.request<{ keys: { kid: string; alg: string; state: string }[] }>('GET', '/admin/keys');
    const activeBefore = before.keys.find((k) => k.alg === 'RS256' && k.state === 'active')!.kid;
    await page.getByRole('link', { name: 'Signing keys' }).click();
    await expect.poll(() => page.title()).toBe('Signing keys · Admin console');
    await shot(page, '05-keys');
    const rotate = page.locator('form', { has: page.locator('input[name="alg"][value="RS256"]') });
    await rotate.getByRole('checkbox').check();
    await rotate.getByRole('button', { name: 'Rotate RS256 now' }).click();
    await expect.poll(() => page.locator('p.notice').textContent()).toContain('Relying parties that cached the JWKS');
    await shot(page, '06-key-rotated');
    const after = await admin.request<{ keys: { kid: string; alg: string; state: string }[] }>('GET', '/admin/keys');
    expect(after.keys.find((k) => k.alg === 'RS256' && k.state === 'active')!.kid).not.toBe(activeBefore);

    // Disable a user, found by search.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Search').fill(victim.username);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('link', { name: victim.username }).count()).toBe(1);
    await shot(page, '07-users-search');
    await page.getByRole('link', { name: victim.username }).click();
    await page.getByRole('button', { name: 'Disable user' }).click();
    await expect.poll(() => page.locator('p.notice').textContent()).toContain('User disabled');
    await shot(page, '08-user-disabled');
    const disabled = await admin.request<{ disabled_at: number | null }>('GET', `/admin/users/${victim.id}`);
    expect(disabled.disabled_at).toBeGreaterThan(0);

    // The audit trail shows these changes with the operator as actor.
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByLabel('actor', { exact: true }).fill(`admin:${operator.id}`);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('table.data tbody tr').count()).toBeGreaterThanOrEqual(4);
    const table = (await page.locator('table.data').textContent())!;
    for (const type of ['console.signin', 'client.created', 'key.rotated', 'user.disabled']) expect(table).toContain(type);
    expect(table).not.toContain(secret);
    await shot(page, '09-audit');

    // The settings, read-only: secrets only as set or unset.
    await page.getByRole('link', { name: 'Settings' }).click();
    const settingsText = (await page.locator('table.data').textContent())!;
    expect(settingsText).toContain('ADMIN_TOKEN');
    expect(settingsText).not.toContain(inject('adminToken'));
    await shot(page, '10-settings');

    // Upstream providers: add one through the form; the redirect URI to register is shown, the secret never.
    const slug = unique('corp').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 32);
    await page.getByRole('link', { name: 'Upstream providers' }).click();
    await expect.poll(() => page.title()).toBe('Upstream providers · Admin console');
    await page.getByLabel('Name (on the sign-in button)').fill('Console-made SSO');
    await page.getByLabel('Slug (in the redirect URI; cannot change)').fill(slug);
    await page.getByLabel('Issuer (its https URL; discovery is read from it)').fill('https://login.corp.example.com');
    await page.getByLabel('Client ID (registered there)').fill('op-at-corp');
    await page.getByLabel('Client secret').fill('the-upstream-client-secret');
    await page.getByRole('button', { name: 'Add upstream provider' }).click();
    await expect.poll(() => page.locator('#upstream-redirect-uri').textContent()).toBe(`${baseUrl}/upstream/${slug}/callback`);
    expect(await page.content()).not.toContain('the-upstream-client-secret');
    await shot(page, '10b-upstreams');

    // Sign out: the console needs a sign-in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.title()).toBe('Admin console sign-in');
    await page.close();
  });

  test('a user without the admin role gets 403', async () => {
    await context.clearCookies();
    const user = await admin.createUser();
    const page = await context.newPage();
    expect(await signIn(page, user)).toBe(403);
    expect(await page.locator('main').textContent()).toContain('not an administrator');
    await shot(page, '11-not-admin-403');
    await page.goto(`${baseUrl}/admin/console/users`);
    await expect.poll(() => page.url()).toBe(`${baseUrl}/admin/console/login`);
    await page.close();
  });
});

describe('the CLI commands the console relies on', () => {
  test('users update --role admin|none, users disable|enable, users reset-password, users sessions; a bad role exits 2', async () => {
    const user = await admin.createUser();
    expect(await adminCli('users', 'update', user.id, '--role', 'admin')).toMatch(/role:\s+admin/);
    expect((await admin.request<{ role: string | null }>('GET', `/admin/users/${user.id}`)).role).toBe('admin');
    expect(await adminCli('users', 'update', user.id, '--role', '')).not.toContain('role:');
    expect((await admin.request<{ role: string | null }>('GET', `/admin/users/${user.id}`)).role).toBeNull();
    const bad = await promisify(execFile)(process.execPath, ['scripts/admin.mjs', '--issuer', baseUrl, 'users', 'update', user.id, '--role', 'root'], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: inject('adminToken') } }).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    expect(bad).toBe(2);
    expect(await adminCli('users', 'disable', user.id)).toMatch(/disabled:/);
    expect(await adminCli('users', 'enable', user.id)).not.toMatch(/disabled:/);
    await adminCli('users', 'reset-password', user.id, '--password', 'a fresh long passphrase');
    expect(await adminCli('users', 'sessions', user.id)).toContain('no sessions');
    expect(await adminCli('users', 'links', user.id)).toContain('no linked accounts');
    const unlink = await promisify(execFile)(process.execPath, ['scripts/admin.mjs', '--issuer', baseUrl, 'users', 'unlink', user.id, '--upstream', 'corp', '--subject', 'nobody'], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: inject('adminToken') } }).then(
      () => 0,
      (e: { code: number; stderr: string }) => (e.stderr.includes('not_found') || e.stderr.includes('404') ? e.code : -1),
    );
    expect(unlink).toBeGreaterThan(0);
  });
});
