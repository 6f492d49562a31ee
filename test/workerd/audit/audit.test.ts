// The audit trail (issue 15): each event type is recorded once, with its actor, source IP, request
// id, subject and outcome, after the action that causes it; no secret ever appears in it.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { purgeExpired } from '../../../src/jobs/housekeeping';
import { ADMIN, authorizeInBrowser, Browser, createClient, createUser, csrfOf, exchangeCode, fetchOp, testIp } from '../helpers';
import { basicAuth, codeFlow, expectError, postForm, refresh, refreshClient } from '../tokens/helpers';

interface Event {
  id: number;
  at: number;
  type: string;
  actor: string;
  ip: string | null;
  request_id: string | null;
  subject: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

/** Every secret a test used: none may appear anywhere in the trail. */
const secrets = new Set<string>();

async function query(params: Record<string, string>): Promise<{ events: Event[]; next_cursor: string | null }> {
  const res = await fetchOp(`/admin/audit?${new URLSearchParams(params)}`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return res.json();
}

/** The events of `type` about `subject`, once they are written (after the response, waitUntil). */
async function eventsOf(type: string, subject?: string, expected = 1): Promise<Event[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { events } = await query({ type, ...(subject ? { subject } : {}) });
    if (events.length >= expected || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function once(type: string, subject: string | undefined, fields: Partial<Event>): Promise<Event> {
  const events = await eventsOf(type, subject);
  expect(events, `${type} ${subject}`).toHaveLength(1);
  const e = events[0]!;
  expect(e).toMatchObject({ type, ...fields });
  expect(e.at).toBeGreaterThan(1_700_000_000);
  expect(e.request_id).toMatch(/^[\w-]{8,}$/);
  return e;
}

const admin = (method: string, path: string, body?: unknown) =>
  fetchOp(path, { method, headers: ADMIN, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('audit trail: admin changes', () => {
  it('clients: created, updated, secret rotated, deleted; actor admin-token, the caller IP; secrets never recorded', async () => {
    const client = await createClient();
    secrets.add(client.client_secret!);
    const ip = testIp();
    await once('client.created', client.client_id, { actor: 'admin-token', ip, outcome: 'success', subject: client.client_id });
    expect((await admin('PATCH', `/admin/clients/${client.client_id}`, { client_name: 'Renamed' })).status).toBe(200);
    const updated = await once('client.updated', client.client_id, { actor: 'admin-token', ip });
    expect(updated.details.fields).toEqual(['client_name']);
    const rotated = await admin('POST', `/admin/clients/${client.client_id}/rotate-secret`, { overlap: 0 });
    secrets.add(((await rotated.json()) as { client_secret: string }).client_secret);
    await once('client.secret_rotated', client.client_id, { actor: 'admin-token' });
    expect((await admin('DELETE', `/admin/clients/${client.client_id}`)).status).toBe(204);
    await once('client.deleted', client.client_id, { actor: 'admin-token' });
  });

  it('users: created, updated, deleted; the password never recorded', async () => {
    const user = await createUser();
    secrets.add(user.password);
    await once('user.created', user.id, { actor: 'admin-token', details: { username: user.username } });
    expect((await admin('PATCH', `/admin/users/${user.id}`, { attributes: { roles: ['admin'] } })).status).toBe(200);
    await once('user.updated', user.id, { details: { attributes: ['roles'] } });
    expect((await admin('DELETE', `/admin/users/${user.id}`)).status).toBe(204);
    await once('user.deleted', user.id, {});
  });

  it('claims and scopes; registration tokens and the registration they allow', async () => {
    const claim = `https://example.test/claims/audit-${crypto.randomUUID()}`;
    const scope = `audit${Date.now().toString(36)}`;
    expect((await admin('POST', '/admin/claims', { name: claim, attribute: 'dept' })).status).toBe(201);
    await once('claim.created', claim, { details: { attribute: 'dept' } });
    expect((await admin('POST', '/admin/scopes', { name: scope, claims: [claim] })).status).toBe(201);
    await once('scope.created', scope, { details: { claims: [claim] } });
    expect((await admin('DELETE', `/admin/scopes/${scope}`)).status).toBe(204);
    await once('scope.deleted', scope, {});
    expect((await admin('DELETE', `/admin/claims?name=${encodeURIComponent(claim)}`)).status).toBe(204);
    await once('claim.deleted', claim, {});

    const before = (await query({ type: 'registration_token.issued' })).events.length;
    const issued = await admin('POST', '/admin/registration/tokens', { uses: 1 });
    const { initial_access_token } = (await issued.json()) as { initial_access_token: string };
    secrets.add(initial_access_token);
    expect(await eventsOf('registration_token.issued', undefined, before + 1)).toHaveLength(before + 1);
    const reg = await fetchOp('/register', {
      method: 'POST',
      headers: { Authorization: `Bearer ${initial_access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://rp.example.test/cb'], client_name: 'Registered' }),
    });
    expect(reg.status).toBe(201);
    const registered = (await reg.json()) as { client_id: string; client_secret: string; registration_access_token: string };
    secrets.add(registered.client_secret).add(registered.registration_access_token);
    await once('client.registered', registered.client_id, { actor: 'initial-access-token', outcome: 'success' });
  });

  it('a read records nothing; a failed admin authentication is a security event', async () => {
    const before = (await query({ type: 'admin.auth_failed' })).events.length;
    await admin('GET', '/admin/clients');
    const wrong = 'wrong-admin-token-0123456789abcdefghijkl';
    secrets.add(wrong);
    const res = await fetchOp('/admin/clients', { headers: { Authorization: `Bearer ${wrong}` } });
    expect(res.status).toBe(401);
    const events = await eventsOf('admin.auth_failed', undefined, before + 1);
    expect(events).toHaveLength(before + 1);
    expect(events[0]).toMatchObject({ actor: 'anonymous', outcome: 'failure', ip: testIp(), details: { method: 'GET', path: '/admin/clients' } });
  });
});

describe('audit trail: security events', () => {
  it('a failed sign-in (subject: the account), then throttled ones', async () => {
    const user = await createUser();
    const client = await createClient();
    const browser = new Browser();
    const q = new URLSearchParams({ client_id: client.client_id, redirect_uri: client.redirect_uris[0]!, response_type: 'code', scope: 'openid', state: 's', nonce: 'n' });
    const location = (await browser.get(`/authorize?${q}`)).headers.get('Location')!;
    const csrf = csrfOf(await (await browser.get(location)).text());
    const wrong = 'not-the-password-42';
    secrets.add(wrong);
    expect((await browser.post(`${location}/login`, { csrf, username: user.username, password: wrong })).status).toBe(400);
    await once('signin.failed', user.id, { outcome: 'failure', actor: 'anonymous', ip: browser.ip, details: { method: 'password', known_account: true } });
    for (let i = 0; i < 4; i++) await browser.post(`${location}/login`, { csrf, username: user.username, password: wrong });
    expect((await browser.post(`${location}/login`, { csrf, username: user.username, password: wrong })).status).toBe(429);
    await once('signin.throttled', user.id, { outcome: 'throttled', ip: browser.ip });
    expect(await eventsOf('signin.failed', user.id, 5)).toHaveLength(5);
  });

  it('a client authentication failure (a wrong secret)', async () => {
    const client = await createClient({ grant_types: ['client_credentials'], redirect_uris: [] });
    const wrong = 'wrong-secret-wrong-secret-wrong-secret';
    secrets.add(wrong);
    await expectError(await postForm('/token', { grant_type: 'client_credentials' }, { authorization: `Basic ${btoa(`${client.client_id}:${wrong}`)}` }), 'invalid_client', 401);
    await once('client_auth.failed', client.client_id, { outcome: 'failure', actor: 'anonymous' });
  });

  it('a replayed authorization code revokes its grant, recorded once', async () => {
    const client = await createClient();
    secrets.add(client.client_secret!);
    const user = await createUser();
    const code = (await authorizeInBrowser({ client, user })).searchParams.get('code')!;
    secrets.add(code);
    const first = await exchangeCode(client, code);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { access_token: string; id_token: string };
    secrets.add(body.access_token).add(body.id_token);
    expect((await exchangeCode(client, code)).status).toBe(400);
    const events = await eventsOf('code.replay');
    const mine = events.filter((e) => e.actor === `client:${client.client_id}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ outcome: 'revoked' });
    expect(mine[0]!.subject).toBeTruthy();
  });

  it('a refresh token replayed outside the reuse interval revokes its family, recorded once', async () => {
    const client = await refreshClient();
    secrets.add(client.client_secret!);
    const { tokens } = await codeFlow(client);
    const first = tokens.refresh_token!;
    const second = ((await (await refresh(client, first)).json()) as { refresh_token: string }).refresh_token;
    const third = ((await (await refresh(client, second)).json()) as { refresh_token: string }).refresh_token;
    secrets.add(first).add(second).add(third).add(tokens.access_token);
    await expectError(await refresh(client, first), 'invalid_grant');
    const mine = (await eventsOf('refresh_token.reuse')).filter((e) => e.actor === `client:${client.client_id}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ outcome: 'revoked', details: { generation: 0, current_generation: 2 } });
    void basicAuth;
  });
});

describe('audit trail: queries, append-only, retention', () => {
  it('filters by actor and time, pages with a cursor, refuses bad input with 400', async () => {
    for (let i = 0; i < 3; i++) await createUser();
    const page1 = await query({ actor: 'admin-token', limit: '2' });
    expect(page1.events).toHaveLength(2);
    expect(page1.next_cursor).toBe(String(page1.events[1]!.id));
    const page2 = await query({ actor: 'admin-token', limit: '2', cursor: page1.next_cursor! });
    expect(page2.events[0]!.id).toBeLessThan(page1.events[1]!.id);
    expect((await query({ since: '2999-01-01T00:00:00Z' })).events).toHaveLength(0);
    expect((await query({ until: '2000-01-01T00:00:00Z' })).events).toHaveLength(0);
    for (const bad of ['limit=0', 'limit=abc', 'cursor=x', 'since=yesterday']) {
      const res = await fetchOp(`/admin/audit?${bad}`, { headers: ADMIN });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
    expect((await fetchOp('/admin/audit')).status).toBe(401);
  });

  it('rows cannot be changed, nor deleted while younger than a day', async () => {
    await expect(env.DB.prepare("UPDATE audit_events SET outcome = 'success'").run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare('DELETE FROM audit_events').run()).rejects.toThrow(/append-only/);
  });

  it('the cron purges events older than AUDIT_RETENTION_DAYS, keeps younger ones', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ins = (at: number, type: string) =>
      env.DB.prepare("INSERT INTO audit_events (at, type, actor, outcome) VALUES (?, ?, 'system', 'success')").bind(at, type).run();
    await ins(now - 11 * 86400, 'test.old');
    await ins(now - 9 * 86400, 'test.kept');
    const report = await purgeExpired(env.DB, now, { auditRetentionDays: 10 });
    expect(report.deleted.audit_events).toBeGreaterThanOrEqual(1);
    expect((await query({ type: 'test.old' })).events).toHaveLength(0);
    expect((await query({ type: 'test.kept' })).events).toHaveLength(1);
  });

  it('keys: a forced rotation and a revocation, each once, with the algorithm', async () => {
    const res = await admin('POST', '/admin/keys/rotate', { alg: 'ES256' });
    expect(res.status).toBe(200);
    const { rotated } = (await res.json()) as { rotated: { alg: string; activated: string }[] };
    expect(rotated).toHaveLength(1);
    await once('key.rotated', rotated[0]!.activated, { actor: 'admin-token', details: expect.objectContaining({ alg: 'ES256', forced: true }) });
    const revoked = await admin('POST', `/admin/keys/${rotated[0]!.activated}/revoke`);
    expect(revoked.status).toBe(200);
    await once('key.revoked', rotated[0]!.activated, { actor: 'admin-token', details: expect.objectContaining({ alg: 'ES256' }) });
  });

  it('no secret used by these tests appears anywhere in the trail', async () => {
    expect(secrets.size).toBeGreaterThan(5);
    const { results } = await env.DB.prepare('SELECT * FROM audit_events').all();
    const dump = JSON.stringify(results);
    expect(results.length).toBeGreaterThan(10);
    for (const s of secrets) expect(dump, 'a secret in the audit trail').not.toContain(s);
  });
});
