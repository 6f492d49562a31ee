import { describe, expect, it } from 'vitest';
import { sealJson } from '../../../src/crypto/sealed';
import { ADMIN, Browser, createClient, createUser, csrfOf, env, fetchOp, obtainTokens } from '../helpers';

const BASE = '/admin/console';
const COOKIE = '__Host-op_console';

async function makeAdmin(): Promise<{ id: string; username: string; password: string }> {
  const user = await createUser();
  const res = await fetchOp(`/admin/users/${user.id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ role: 'admin' }) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { role: string }).role).toBe('admin');
  return user;
}

async function signIn(browser: Browser, user: { username: string; password: string }): Promise<Response> {
  const page = await browser.get(`${BASE}/login`);
  expect(page.status).toBe(200);
  return browser.post(`${BASE}/login`, { csrf: csrfOf(await page.text()), username: user.username, password: user.password });
}

async function consoleFor(user: { username: string; password: string }): Promise<Browser> {
  const browser = new Browser();
  const res = await signIn(browser, user);
  expect(res.status, await res.clone().text()).toBe(303);
  expect(res.headers.get('Location')).toBe(`${BASE}/clients`);
  expect(browser.hasCookie(COOKIE)).toBe(true);
  return browser;
}

/** The CSRF token of a console page (every form carries the session's). */
async function pageCsrf(browser: Browser, path: string): Promise<{ csrf: string; html: string }> {
  const res = await browser.get(path);
  expect(res.status).toBe(200);
  const html = await res.text();
  return { csrf: csrfOf(html), html };
}

interface Row {
  type: string;
  actor: string;
  subject: string | null;
}

/** Audit rows by this actor (written after the response: polled briefly). */
async function auditBy(actor: string, expected: number): Promise<Row[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { results } = await env.DB.prepare('SELECT type, actor, subject FROM audit_events WHERE actor = ? ORDER BY id').bind(actor).all<Row>();
    if (results.length >= expected || Date.now() > deadline) return results;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('admin console: who may enter', () => {
  it('without a session every page redirects to the console sign-in', async () => {
    for (const path of [`${BASE}`, `${BASE}/clients`, `${BASE}/users`, `${BASE}/keys`, `${BASE}/audit`, `${BASE}/settings`, `${BASE}/upstreams`, `${BASE}/apis`]) {
      const res = await new Browser().get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('Location')).toBe(`${BASE}/login`);
    }
    // A POST without a session changes nothing and is sent to sign in too.
    const before = (await env.DB.prepare('SELECT count(*) AS n FROM clients').first<{ n: number }>())!.n;
    const res = await new Browser().post(`${BASE}/clients`, { csrf: 'x', client_name: 'Nope', redirect_uris: 'https://rp.example.test/cb', grant_authorization_code: 'on' });
    expect(res.status).toBe(303);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM clients').first<{ n: number }>())!.n).toBe(before);
  });

  it('the bearer token does not open the console, and the console session does not open the admin API', async () => {
    const res = await fetchOp(`${BASE}/clients`, { headers: ADMIN });
    expect(res.status).toBe(303);
    const browser = await consoleFor(await makeAdmin());
    expect((await browser.get('/admin/clients')).status).toBe(401);
  });

  it('a non-admin user gets 403 and no console session; a wrong password gets the generic error', async () => {
    const user = await createUser();
    const browser = new Browser();
    const res = await signIn(browser, user);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('not an administrator');
    expect(browser.hasCookie(COOKIE)).toBe(false);
    expect((await browser.get(`${BASE}/clients`)).status).toBe(303);

    const wrong = await signIn(new Browser(), { username: user.username, password: 'not the password at all' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('The username or password is wrong.');
  });

  it('losing the admin role ends console access at the next request (403)', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    expect((await browser.get(`${BASE}/users`)).status).toBe(200);
    await fetchOp(`/admin/users/${admin.id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ role: null }) });
    expect((await browser.get(`${BASE}/users`)).status).toBe(403);
  });

  it('a session idle for more than 15 minutes needs a fresh sign-in; a recent one works', async () => {
    const admin = await makeAdmin();
    const at = Math.floor(Date.now() / 1000);
    const session = (last: number) => sealJson(env.KEY_ENCRYPTION_KEY, 'console-session', 'admin-console', { v: 1, uid: admin.id, csrf: 'c'.repeat(43), iat: at - 3600, last });
    const fresh = new Browser();
    fresh.plantCookie(COOKIE, await session(at - 60));
    expect((await fresh.get(`${BASE}/clients`)).status).toBe(200);
    const idle = new Browser();
    idle.plantCookie(COOKIE, await session(at - 16 * 60));
    const res = await idle.get(`${BASE}/clients`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${BASE}/login`);
    // A forged or altered cookie is no session either.
    const forged = new Browser();
    forged.plantCookie(COOKIE, `${(await session(at)).slice(0, -2)}AA`);
    expect((await forged.get(`${BASE}/clients`)).status).toBe(303);
  });

  it('the sign-in form and every console form refuse a missing or wrong CSRF token (403), changing nothing', async () => {
    const admin = await makeAdmin();
    const login = new Browser();
    await login.get(`${BASE}/login`);
    expect((await login.post(`${BASE}/login`, { csrf: 'forged', username: admin.username, password: admin.password })).status).toBe(403);
    expect(login.hasCookie(COOKIE)).toBe(false);

    const browser = await consoleFor(admin);
    const before = (await env.DB.prepare('SELECT count(*) AS n FROM clients').first<{ n: number }>())!.n;
    for (const csrf of [undefined, 'forged-token']) {
      const res = await browser.post(`${BASE}/clients`, { ...(csrf ? { csrf } : {}), client_name: 'CSRF', redirect_uris: 'https://rp.example.test/cb', grant_authorization_code: 'on' });
      expect(res.status).toBe(403);
    }
    expect((await env.DB.prepare('SELECT count(*) AS n FROM clients').first<{ n: number }>())!.n).toBe(before);
    const victim = await createUser();
    expect((await browser.post(`${BASE}/users/${victim.id}/disable`, { csrf: 'forged-token' })).status).toBe(403);
    expect((await env.DB.prepare('SELECT disabled_at FROM users WHERE id = ?').bind(victim.id).first<{ disabled_at: number | null }>())!.disabled_at).toBeNull();
  });

  it('pages carry the strict CSP (no script) and forms may post only to this origin; the cookie is __Host-, HttpOnly, SameSite=Strict', async () => {
    const admin = await makeAdmin();
    const browser = new Browser();
    const page = await browser.get(`${BASE}/login`);
    await page.text();
    const res = await browser.post(`${BASE}/login`, { csrf: browser.cookieValue('__Host-op_console_login')!, username: admin.username, password: admin.password });
    const cookie = res.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`))!;
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Domain=/i);
    const clients = await browser.get(`${BASE}/clients`);
    const csp = clients.headers.get('Content-Security-Policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('script-src');
    expect(clients.headers.get('Cache-Control')).toBe('no-store');
    expect(await clients.text()).not.toContain('<script');
  });
});

describe('admin console: every change goes through the admin API and is audited with the admin as actor', () => {
  it('clients, users, keys: each action writes its audit event once', async () => {
    const admin = await makeAdmin();
    const actor = `admin:${admin.id}`;
    const browser = await consoleFor(admin);

    // Clients: create (the secret shown once), edit, rotate the secret, delete.
    let { csrf } = await pageCsrf(browser, `${BASE}/clients/new`);
    let res = await browser.post(`${BASE}/clients`, {
      csrf,
      client_name: 'Console App',
      redirect_uris: 'https://rp.example.test/cb\nhttps://rp.example.test/cb2',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_authorization_code: 'on',
      grant_refresh_token: 'on',
      scope: 'openid profile',
    });
    expect(res.status).toBe(200);
    const created = await res.text();
    const clientId = /client_id: <code>([^<]+)<\/code>/.exec(created)![1]!;
    const secret = /id="client-secret">([^<]+)</.exec(created)![1]!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const stored = (await (await fetchOp(`/admin/clients/${clientId}`, { headers: ADMIN })).json()) as { client_name: string; redirect_uris: string[]; grant_types: string[] };
    expect(stored).toMatchObject({ client_name: 'Console App', redirect_uris: ['https://rp.example.test/cb', 'https://rp.example.test/cb2'] });
    expect(stored.grant_types).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));

    ({ csrf } = await pageCsrf(browser, `${BASE}/clients/${clientId}`));
    res = await browser.post(`${BASE}/clients/${clientId}`, { csrf, client_name: 'Console App 2', redirect_uris: 'https://rp.example.test/cb', token_endpoint_auth_method: 'client_secret_basic', grant_authorization_code: 'on' });
    expect(res.status).toBe(200);
    expect(((await (await fetchOp(`/admin/clients/${clientId}`, { headers: ADMIN })).json()) as { client_name: string }).client_name).toBe('Console App 2');
    // A bad value is the admin API's error on the page, never a 5xx.
    res = await browser.post(`${BASE}/clients/${clientId}`, { csrf, client_name: 'X', redirect_uris: 'not a url', token_endpoint_auth_method: 'client_secret_basic', grant_authorization_code: 'on' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('class="alert"');

    res = await browser.post(`${BASE}/clients/${clientId}/rotate-secret`, { csrf, overlap: '0' });
    expect(res.status).toBe(200);
    expect(/id="client-secret">([^<]+)</.exec(await res.text())![1]).not.toBe(secret);

    // Delete needs the confirmation box.
    expect((await browser.post(`${BASE}/clients/${clientId}/delete`, { csrf })).status).toBe(400);
    res = await browser.post(`${BASE}/clients/${clientId}/delete`, { csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    expect((await fetchOp(`/admin/clients/${clientId}`, { headers: ADMIN })).status).toBe(404);

    // Users: create, profile, role, disable (sign-in refused), enable, delete.
    res = await browser.post(`${BASE}/users`, { csrf, username: `con${Date.now().toString(36)}`, password: 'a long enough passphrase', email: `con${Date.now().toString(36)}@example.test` });
    expect(res.status).toBe(303);
    const userPath = res.headers.get('Location')!.split('?')[0]!;
    const userId = decodeURIComponent(userPath.split('/').pop()!);
    res = await browser.post(userPath, { csrf, claim_name: 'Grace Hopper', claim_locale: 'en-US', attributes: '{"department":"navy"}' });
    expect(res.status).toBe(303);
    const user = (await (await fetchOp(`/admin/users/${userId}`, { headers: ADMIN })).json()) as { claims: Record<string, unknown>; attributes: Record<string, unknown> };
    expect(user.claims).toMatchObject({ name: 'Grace Hopper', locale: 'en-US' });
    expect(user.attributes).toEqual({ department: 'navy' });
    expect((await browser.post(`${userPath}/role`, { csrf, role: 'admin' })).status).toBe(303);
    expect((await browser.post(`${userPath}/disable`, { csrf })).status).toBe(303);
    const row = (await env.DB.prepare('SELECT role, disabled_at FROM users WHERE id = ?').bind(userId).first<{ role: string; disabled_at: number }>())!;
    expect(row.role).toBe('admin');
    expect(row.disabled_at).toBeGreaterThan(0);
    // A disabled admin cannot sign in to the console (nor anywhere: the password check fails alike).
    const refused = await signIn(new Browser(), { username: (await (await fetchOp(`/admin/users/${userId}`, { headers: ADMIN })).json() as { username: string }).username, password: 'a long enough passphrase' });
    expect(refused.status).toBe(400);
    expect((await browser.post(`${userPath}/enable`, { csrf })).status).toBe(303);
    // An admin cannot disable or delete themself from the console.
    expect((await browser.post(`${BASE}/users/${admin.id}/disable`, { csrf })).status).toBe(400);
    expect((await browser.post(`${userPath}/delete`, { csrf, confirm: 'yes' })).status).toBe(303);
    expect((await fetchOp(`/admin/users/${userId}`, { headers: ADMIN })).status).toBe(404);

    // Keys: rotate one algorithm (confirmation required), then revoke a retired key.
    await fetchOp('/jwks');
    expect((await browser.post(`${BASE}/keys/rotate`, { csrf, alg: 'ES256' })).status).toBe(400);
    res = await browser.post(`${BASE}/keys/rotate`, { csrf, alg: 'ES256', confirm: 'yes' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Relying parties that cached the JWKS');
    const keys = (await (await fetchOp('/admin/keys', { headers: ADMIN })).json()) as { keys: { kid: string; alg: string; state: string }[] };
    const retired = keys.keys.find((k) => k.alg === 'ES256' && k.state === 'retired')!;
    res = await browser.post(`${BASE}/keys/${retired.kid}/revoke`, { csrf, confirm: 'yes' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('no longer verify');

    const expected = [
      'console.signin',
      'client.created',
      'client.updated',
      'client.secret_rotated',
      'client.deleted',
      'user.created',
      'user.updated',
      'user.updated',
      'user.disabled',
      'user.enabled',
      'user.deleted',
      'key.rotated',
      'key.revoked',
    ];
    const rows = await auditBy(actor, expected.length);
    expect(rows.map((r) => r.type)).toEqual(expected);
    expect(rows.find((r) => r.type === 'client.created')!.subject).toBe(clientId);
    expect(rows.find((r) => r.type === 'user.disabled')!.subject).toBe(userId);
    // No secret in the trail.
    const all = JSON.stringify((await env.DB.prepare('SELECT * FROM audit_events WHERE actor = ?').bind(actor).all()).results);
    expect(all).not.toContain(secret);
    expect(all).not.toContain(admin.password);
  });

  it('the audit trail page filters and paginates; settings show secrets only as set or unset', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const res = await browser.get(`${BASE}/audit?${new URLSearchParams({ type: 'console.signin', subject: admin.id })}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`admin:${admin.id}`);
    expect((html.match(/<td>console\.signin<\/td>/g) ?? []).length).toBe(1);
    expect((await browser.get(`${BASE}/audit?since=yesterday`)).status).toBe(400);
    const settingsPage = await (await browser.get(`${BASE}/settings`)).text();
    expect(settingsPage).toContain('ADMIN_TOKEN');
    expect(settingsPage).not.toContain('test-admin-token-0123456789abcdefghij');
    expect(settingsPage).not.toContain(env.KEY_ENCRYPTION_KEY!);
    expect(settingsPage).not.toContain(env.KEY_ENCRYPTION_KEY_PREVIOUS!);
    expect(settingsPage).toContain('https://op.example.test');
  });

  it('a user page lists their sessions; ending one and resetting the password are audited with the admin as actor', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const user = await createUser();
    await obtainTokens({ client: await createClient(), user });
    const { csrf, html } = await pageCsrf(browser, `${BASE}/users/${user.id}`);
    const sid = /<td><code>([^<]+)<\/code><\/td><td>/.exec(html.slice(html.indexOf('<h2>Sessions</h2>')))![1]!;
    let res = await browser.post(`${BASE}/users/${user.id}/sessions/${sid}/end`, { csrf });
    expect(res.status).toBe(303);
    expect(await (await browser.get(res.headers.get('Location')!)).text()).toContain('No live sessions.');
    res = await browser.post(`${BASE}/users/${user.id}/password`, { csrf, password: 'short' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('password is too weak');
    res = await browser.post(`${BASE}/users/${user.id}/password`, { csrf, password: 'another long passphrase' });
    expect(res.status).toBe(303);
    const rows = await auditBy(`admin:${admin.id}`, 3);
    expect(rows.map((r) => r.type)).toEqual(['console.signin', 'session.ended', 'user.password_reset']);
    expect(rows.every((r) => r.type === 'console.signin' || r.subject === user.id)).toBe(true);
  });

  it('scopes and claims, registration tokens and logout deliveries: through the admin API, audited, the token shown once', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const { csrf, html } = await pageCsrf(browser, `${BASE}/claims`);
    expect(html).toContain('No custom');
    const name = `dept_${Date.now().toString(36)}`;
    let res = await browser.post(`${BASE}/claims/claim`, { csrf, name, attribute: 'department', description: 'Department' });
    expect(res.status).toBe(200);
    res = await browser.post(`${BASE}/claims/scope`, { csrf, name: `${name}_scope`, claims: 'no_such_claim' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('not defined');
    res = await browser.post(`${BASE}/claims/scope`, { csrf, name: `${name}_scope`, claims: name });
    expect(res.status).toBe(200);
    expect(((await (await fetchOp('/admin/scopes', { headers: ADMIN })).json()) as { scopes: { name: string }[] }).scopes.map((s) => s.name)).toContain(`${name}_scope`);
    expect((await browser.post(`${BASE}/claims/scope/${name}_scope/delete`, { csrf })).status).toBe(200);
    expect((await browser.post(`${BASE}/claims/claim/delete`, { csrf, name })).status).toBe(200);

    res = await browser.post(`${BASE}/registration`, { csrf, uses: '2', ttl: '3600' });
    expect(res.status).toBe(200);
    const token = /id="initial-access-token">([^<]+)</.exec(await res.text())![1]!;
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect((await browser.post(`${BASE}/registration`, { csrf, uses: '0' })).status).toBe(400);

    const deliveries = await browser.get(`${BASE}/logout-deliveries?status=failed`);
    expect(deliveries.status).toBe(200);

    const rows = await auditBy(`admin:${admin.id}`, 6);
    expect(rows.map((r) => r.type)).toEqual(['console.signin', 'claim.created', 'scope.created', 'scope.deleted', 'claim.deleted', 'registration_token.issued']);
    expect(JSON.stringify((await env.DB.prepare('SELECT * FROM audit_events WHERE actor = ?').bind(`admin:${admin.id}`).all()).results)).not.toContain(token);
  });
});
