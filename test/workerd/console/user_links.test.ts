// Issue 15 x 11: a user's linked upstream accounts in the admin API, the CLI's endpoints and the console.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING } from '../../../src/upstream/config';
import { UpstreamRepository } from '../../../src/storage/upstreams';
import { ADMIN, createUser, env, fetchOp } from '../helpers';
import { givePasskey } from '../passkeys/helpers';
import { BASE, auditBy, consoleFor, demote, makeAdmin, pageCsrf } from './support';

/** An upstream and a link of one of its accounts to `userId`, straight into storage. */
async function linked(userId: string, subject = `sub-${crypto.randomUUID()}`): Promise<{ slug: string; subject: string }> {
  const slug = `l-${crypto.randomUUID().slice(0, 8)}`;
  const repo = new UpstreamRepository(env.DB);
  await repo.insert({
    slug, name: 'Linked IdP', issuer: 'https://idp.example.com', clientId: 'c', clientSecretSealed: 'x', scopes: ['openid'],
    claimMapping: DEFAULT_MAPPING, authMethod: 'client_secret_basic', signingKey: null, linkByEmail: false, endSession: false, createdAt: 100, updatedAt: 100,
  });
  await repo.insertLinkStatement({ upstream: slug, subject, userId, createdAt: 1_700_000_000, lastUsedAt: 1_700_000_500 }).run();
  return { slug, subject };
}

const linkCount = async (userId: string) => (await env.DB.prepare('SELECT count(*) AS n FROM upstream_links WHERE user_id = ?').bind(userId).first<{ n: number }>())!.n;

describe('admin API: /admin/users/:id/links', () => {
  it('lists the links with the upstream name; DELETE removes one (audited upstream.unlinked, actor the token), 404 for anything else', async () => {
    const user = await createUser();
    const other = await createUser();
    // A sub with a slash and a space: percent-encoded in the path, it still names exactly that link.
    const a = await linked(user.id, 'tenant/42 x');
    const b = await linked(user.id);
    const list = await fetchOp(`/admin/users/${user.id}/links`, { headers: ADMIN });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { links: Record<string, unknown>[] };
    expect(body.links).toHaveLength(2);
    expect(body.links[0]).toEqual({ upstream: a.slug, upstream_name: 'Linked IdP', subject: 'tenant/42 x', created_at: 1_700_000_000, last_used_at: 1_700_000_500 });
    expect((await fetchOp('/admin/users/no-such-user/links', { headers: ADMIN })).status).toBe(404);
    expect((await fetchOp(`/admin/users/${user.id}/links`)).status).toBe(401);

    const del = (uid: string, slug: string, sub: string, headers: Record<string, string> = ADMIN) =>
      fetchOp(`/admin/users/${uid}/links/${encodeURIComponent(slug)}/${encodeURIComponent(sub)}`, { method: 'DELETE', headers });
    // Another user's link, a wrong sub, no token: nothing removed.
    expect((await del(other.id, a.slug, a.subject)).status).toBe(404);
    expect((await del(user.id, a.slug, 'tenant')).status).toBe(404);
    expect((await del(user.id, a.slug, a.subject, {})).status).toBe(401);
    expect(await linkCount(user.id)).toBe(2);
    expect((await del(user.id, a.slug, a.subject)).status).toBe(204);
    expect((await del(user.id, a.slug, a.subject)).status).toBe(404);
    const left = (await (await fetchOp(`/admin/users/${user.id}/links`, { headers: ADMIN })).json()) as { links: { upstream: string }[] };
    expect(left.links.map((l) => l.upstream)).toEqual([b.slug]);
    const rows = (await auditBy('admin-token', 0)).filter((r) => r.type === 'upstream.unlinked' && r.subject === user.id);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.details!)).toEqual({ upstream: a.slug, upstream_subject: 'tenant/42 x' });
  });
});

describe('admin console: linked accounts on the user page', () => {
  it('shows each link (upstream, sub, linked, last used) and the passkeys section; removing one is a CSRF form, audited with the admin as actor', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const user = await createUser();
    const { slug, subject } = await linked(user.id, 'sub/with"quote');
    const { csrf, html } = await pageCsrf(browser, `${BASE}/users/${user.id}`);
    expect(html).toContain('<h2>Passkeys</h2>');
    const table = html.slice(html.indexOf('<h2>Linked accounts</h2>'), html.indexOf('<h2>Delete</h2>'));
    expect(table).toContain(`<code>${slug}</code>`);
    expect(table).toContain('sub/with&quot;quote');
    expect(table).toContain('2023-11-14T22:13:20Z');
    expect(table).toContain(`action="${BASE}/users/${user.id}/links/delete"`);

    // A forged CSRF token: 403, the link stays.
    expect((await browser.post(`${BASE}/users/${user.id}/links/delete`, { csrf: 'forged', upstream: slug, subject })).status).toBe(403);
    expect(await linkCount(user.id)).toBe(1);
    // An unknown link: the console's 404 page.
    expect((await browser.post(`${BASE}/users/${user.id}/links/delete`, { csrf, upstream: slug, subject: 'nope' })).status).toBe(404);
    const res = await browser.post(`${BASE}/users/${user.id}/links/delete`, { csrf, upstream: slug, subject });
    expect(res.status).toBe(303);
    expect(await linkCount(user.id)).toBe(0);
    const after = await (await browser.get(res.headers.get('Location')!)).text();
    expect(after).toContain('Linked account removed');
    expect(after).toContain('No upstream provider account is linked');
    const rows = await auditBy(`admin:${admin.id}`, 2);
    expect(rows.map((r) => [r.type, r.subject])).toEqual([['console.signin', admin.id], ['upstream.unlinked', user.id]]);

    // Demoted: the same form is 403 and changes nothing.
    const again = await linked(user.id);
    await demote(admin.id);
    expect((await browser.post(`${BASE}/users/${user.id}/links/delete`, { csrf, upstream: again.slug, subject: again.subject })).status).toBe(403);
    expect(await linkCount(user.id)).toBe(1);
  });
});

describe('admin console: passkeys on the user page', () => {
  it('lists them; removing one is a CSRF form through the admin API, audited passkey.deleted with the admin as actor', async () => {
    const admin = await makeAdmin();
    const browser = await consoleFor(admin);
    const user = await createUser();
    const { passkey } = await givePasskey(user);
    const { csrf, html } = await pageCsrf(browser, `${BASE}/users/${user.id}`);
    const action = `${BASE}/users/${user.id}/passkeys/${encodeURIComponent(passkey.id)}/delete`;
    expect(html.slice(html.indexOf('<h2>Passkeys</h2>'), html.indexOf('<h2>Linked accounts</h2>'))).toContain(`action="${action}"`);
    const count = async () => (await env.DB.prepare('SELECT count(*) AS n FROM passkeys WHERE user_id = ?').bind(user.id).first<{ n: number }>())!.n;
    expect((await browser.post(action, { csrf: 'forged' })).status).toBe(403);
    expect(await count()).toBe(1);
    const res = await browser.post(action, { csrf });
    expect(res.status).toBe(303);
    expect(await count()).toBe(0);
    expect(await (await browser.get(res.headers.get('Location')!)).text()).toContain('Passkey removed.');
    const rows = await auditBy(`admin:${admin.id}`, 2);
    expect(rows.map((r) => [r.type, r.subject])).toEqual([['console.signin', admin.id], ['passkey.deleted', user.id]]);
    expect(JSON.parse(rows[1]!.details!)).toEqual({ passkey: passkey.id });
  });
});
