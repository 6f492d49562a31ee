// Issue 15: the console's upstream providers, APIs and per-client custom claims pages, through the admin API.
import { describe, expect, it } from 'vitest';
import { ADMIN, createClient, env, fetchOp } from '../helpers';
import { BASE, auditBy, consoleFor, demote, makeAdmin, pageCsrf } from './support';

const count = async (sql: string, ...binds: unknown[]) => (await env.DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;

describe('admin console: upstream providers', () => {
  it('lists, creates (the redirect URI to register shown, the secret never) and deletes; CSRF refused; audited with the admin as actor; 403 once demoted', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const slug = `c-${crypto.randomUUID().slice(0, 8)}`;
    const secret = `upstream-secret-${crypto.randomUUID()}`;
    let { csrf, html } = await pageCsrf(browser, `${BASE}/upstreams`);
    expect(html).toContain('Add an upstream provider');
    const form = { name: 'Corp SSO', slug, issuer: 'https://login.corp.example.com', client_id: 'op-at-corp', client_secret: secret, scopes: 'profile email', link_by_email: 'on' };

    // Forged CSRF: 403, nothing stored.
    expect((await browser.post(`${BASE}/upstreams`, { ...form, csrf: 'forged' })).status).toBe(403);
    expect(await count('SELECT count(*) AS n FROM upstreams WHERE slug = ?', slug)).toBe(0);
    // A bad issuer: the admin API's error, the form filled in again without the secret.
    let res = await browser.post(`${BASE}/upstreams`, { ...form, csrf, issuer: 'http://login.corp.example.com' });
    expect(res.status).toBe(400);
    html = await res.text();
    expect(html).toContain('class="alert"');
    expect(html).toContain(`value="${slug}"`);
    expect(html).not.toContain(secret);

    res = await browser.post(`${BASE}/upstreams`, { ...form, csrf });
    expect(res.status).toBe(200);
    html = await res.text();
    expect(html).toContain(`https://op.example.test/upstream/${slug}/callback`);
    expect(html).not.toContain(secret);
    const stored = (await (await fetchOp(`/admin/upstreams/${slug}`, { headers: ADMIN })).json()) as Record<string, unknown>;
    expect(stored).toMatchObject({ name: 'Corp SSO', issuer: 'https://login.corp.example.com', client_id: 'op-at-corp', scopes: ['openid', 'profile', 'email'], link_by_email: true, end_session: false });
    const sealed = (await env.DB.prepare('SELECT client_secret_sealed FROM upstreams WHERE slug = ?').bind(slug).first<{ client_secret_sealed: string }>())!.client_secret_sealed;
    expect(sealed).not.toContain(secret);
    // The list page: name, slug, issuer, redirect URI; never the secret.
    html = (await pageCsrf(browser, `${BASE}/upstreams`)).html;
    expect(html).toContain(`<code>${slug}</code>`);
    expect(html).toContain('https://login.corp.example.com');
    expect(html).not.toContain(secret);
    // A taken slug: 409 from the API, shown as an error.
    expect((await browser.post(`${BASE}/upstreams`, { ...form, csrf })).status).toBe(400);

    // Delete: confirmation required, then gone.
    expect((await browser.post(`${BASE}/upstreams/${slug}/delete`, { csrf })).status).toBe(400);
    expect((await browser.post(`${BASE}/upstreams/${slug}/delete`, { csrf: 'forged', confirm: 'yes' })).status).toBe(403);
    res = await browser.post(`${BASE}/upstreams/${slug}/delete`, { csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    expect((await fetchOp(`/admin/upstreams/${slug}`, { headers: ADMIN })).status).toBe(404);
    expect((await browser.post(`${BASE}/upstreams/${slug}/delete`, { csrf, confirm: 'yes' })).status).toBe(404);

    const rows = await auditBy(`admin:${admin.id}`, 3);
    expect(rows.map((r) => [r.type, r.subject])).toEqual([['console.signin', admin.id], ['upstream.created', slug], ['upstream.deleted', slug]]);
    expect(JSON.stringify(rows)).not.toContain(secret);

    // Demoted: the form is refused (403, nothing stored) and the console session is gone.
    await demote(admin.id);
    expect((await browser.post(`${BASE}/upstreams`, { ...form, csrf })).status).toBe(403);
    expect(await count('SELECT count(*) AS n FROM upstreams WHERE slug = ?', slug)).toBe(0);
    expect((await browser.get(`${BASE}/upstreams`)).status).toBe(303);
  });
});

describe('admin console: APIs', () => {
  it('lists, creates (the introspection secret shown once, working at /introspect) and deletes; CSRF refused; audited; 403 once demoted', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const identifier = `https://orders-${crypto.randomUUID().slice(0, 8)}.example.com/`;
    const scope = `orders${Date.now().toString(36)}:read`;
    let { csrf, html } = await pageCsrf(browser, `${BASE}/apis`);
    expect(html).toContain('Add an API');
    const form = { identifier, name: 'Orders', scopes: scope, access_token_ttl: '600' };
    expect((await browser.post(`${BASE}/apis`, { ...form, csrf: 'forged' })).status).toBe(403);
    expect(await count('SELECT count(*) AS n FROM apis WHERE identifier = ?', identifier)).toBe(0);
    let res = await browser.post(`${BASE}/apis`, { ...form, csrf, scopes: 'openid' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('scopes of the OP itself');

    res = await browser.post(`${BASE}/apis`, { ...form, csrf });
    expect(res.status).toBe(200);
    html = await res.text();
    const clientId = /id="api-client-id">([^<]+)</.exec(html)![1]!;
    const secret = /id="api-client-secret">([^<]+)</.exec(html)![1]!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    // The credential works at the introspection endpoint.
    const introspect = await fetchOp('/introspect', {
      method: 'POST',
      headers: { Authorization: `Basic ${btoa(`${clientId}:${secret}`)}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'token=not-a-token',
    });
    expect(introspect.status).toBe(200);
    expect(await introspect.json()).toEqual({ active: false });
    // Listed afterwards without the secret.
    html = (await pageCsrf(browser, `${BASE}/apis`)).html;
    expect(html).toContain(identifier);
    expect(html).toContain('600 s');
    expect(html).not.toContain(secret);

    expect((await browser.post(`${BASE}/apis/${clientId}/delete`, { csrf })).status).toBe(400);
    res = await browser.post(`${BASE}/apis/${clientId}/delete`, { csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    expect((await fetchOp(`/admin/apis/${clientId}`, { headers: ADMIN })).status).toBe(404);

    const rows = await auditBy(`admin:${admin.id}`, 3);
    expect(rows.map((r) => [r.type, r.subject])).toEqual([['console.signin', admin.id], ['api.created', identifier], ['api.deleted', identifier]]);
    expect(JSON.stringify(rows)).not.toContain(secret);

    await demote(admin.id);
    expect((await browser.get(`${BASE}/apis`)).status).toBe(403);
  });
});

describe('admin console: per-client custom claims', () => {
  it('shows and replaces the client’s released claims; an undefined claim or bad JSON is a 400 on the page; CSRF refused; audited', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const client = await createClient();
    const name = `https://example.com/claims/dept-${crypto.randomUUID().slice(0, 8)}`;
    expect((await fetchOp('/admin/claims', { method: 'POST', headers: ADMIN, body: JSON.stringify({ name, attribute: 'department' }) })).status).toBe(201);
    const path = `${BASE}/clients/${client.client_id}`;
    let { csrf, html } = await pageCsrf(browser, path);
    expect(html).toContain('<h2>Custom claims</h2>');
    expect(html).toContain(name);
    const claimsOf = async () => ((await (await fetchOp(`/admin/clients/${client.client_id}/claims`, { headers: ADMIN })).json()) as { claims: unknown[] }).claims;

    expect((await browser.post(`${path}/claims`, { csrf: 'forged', claims: JSON.stringify([name]) })).status).toBe(403);
    expect(await claimsOf()).toEqual([]);
    let res = await browser.post(`${path}/claims`, { csrf, claims: '["https://example.com/claims/undefined"]' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('is not defined');
    res = await browser.post(`${path}/claims`, { csrf, claims: '[not json' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('[not json');
    expect(await claimsOf()).toEqual([]);

    res = await browser.post(`${path}/claims`, { csrf, claims: JSON.stringify([{ name, values: ['sales'] }]) });
    expect(res.status).toBe(303);
    expect(await claimsOf()).toEqual([{ name, values: ['sales'] }]);
    html = await (await browser.get(res.headers.get('Location')!)).text();
    expect(html).toContain('Custom claims saved.');
    expect(html).toContain('&quot;values&quot;:[&quot;sales&quot;]');
    res = await browser.post(`${path}/claims`, { csrf, claims: '' });
    expect(res.status).toBe(303);
    expect(await claimsOf()).toEqual([]);
    expect((await browser.post(`${BASE}/clients/no-such-client/claims`, { csrf, claims: '[]' })).status).toBe(404);

    const rows = await auditBy(`admin:${admin.id}`, 3);
    expect(rows.map((r) => [r.type, r.subject])).toEqual([['console.signin', admin.id], ['client.claims_changed', client.client_id], ['client.claims_changed', client.client_id]]);
  });
});
