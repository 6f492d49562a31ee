import { Hono } from 'hono';
import { EDITABLE_CLAIMS, NewUserPage, UserDetail, UsersList } from '../../views/console';
import { renderPage } from '../../views/render';
import { callAdmin, consoleState, formOf, frame, notFoundPage, pageOf, problem, type ConsoleContext, type ConsoleEnv } from './types';

/** Console: users (list and search, create, profile, role, disable, passkeys, delete), through the admin API's routes. */
export const consoleUsers = new Hono<ConsoleEnv>();

const BASE = '/admin/console/users';
type Json = Record<string, unknown>;
const path = (c: ConsoleContext) => `/users/${encodeURIComponent(c.req.param('id')!)}`;

function matches(u: Json, q: string): boolean {
  const claims = (u.claims ?? {}) as Json;
  return [u.id, u.username, u.email, claims.name, claims.given_name, claims.family_name].some((v) => typeof v === 'string' && v.toLowerCase().includes(q));
}

consoleUsers.get('/', async (c) => {
  const q = (c.req.query('q') ?? '').trim().slice(0, 200);
  const a = await callAdmin(c, 'GET', '/users');
  const all = ((a.body.users as Json[] | undefined) ?? []).filter((u) => !q || matches(u, q.toLowerCase()));
  const page = pageOf(all, c.req.query('page'), (n) => `${BASE}?${new URLSearchParams({ ...(q ? { q } : {}), page: String(n) })}`);
  return renderPage(c, <UsersList {...frame(c, 'Users', 'users', { notice: c.req.query('deleted') ? 'User deleted.' : undefined })} users={page.rows} q={q} prev={page.prev} next={page.next} />);
});

consoleUsers.get('/new', (c) => renderPage(c, <NewUserPage {...frame(c, 'New user', 'users')} />));

consoleUsers.post('/', async (c) => {
  const f = formOf(c);
  const body: Json = { username: (f.get('username') ?? '').trim(), password: f.get('password') ?? '' };
  for (const name of ['email', 'given_name', 'family_name']) {
    const v = (f.get(name) ?? '').trim();
    if (v) body[name] = v;
  }
  const a = await callAdmin(c, 'POST', '/users', body);
  if (a.status !== 201) return renderPage(c, <NewUserPage {...frame(c, 'New user', 'users', { error: problem(a) })} values={{ ...body, password: undefined }} />, 400);
  return c.redirect(`${BASE}/${encodeURIComponent(String(a.body.id))}?created=1`, 303);
});

async function show(c: ConsoleContext, extra: { notice?: string; error?: string } = {}, status: 200 | 400 = 200) {
  const [a, s, l] = await Promise.all([callAdmin(c, 'GET', path(c)), callAdmin(c, 'GET', `${path(c)}/sessions`), callAdmin(c, 'GET', `${path(c)}/links`)]);
  if (a.status === 404) return notFoundPage(c, 'user');
  const sessions = (s.body.sessions as Json[] | undefined) ?? [];
  const links = (l.body.links as Json[] | undefined) ?? [];
  return renderPage(c, <UserDetail {...frame(c, String(a.body.username ?? 'User'), 'users', extra)} user={a.body} self={a.body.id === consoleState(c).admin.id} sessions={sessions} links={links} />, status);
}

const NOTICES: Record<string, string> = { password: 'Password reset; the user\'s sessions ended.', ended: 'Session ended.', created: 'User created.', saved: 'Profile saved.', role: 'Role changed.', disabled: 'User disabled: sessions ended, grants revoked.', enabled: 'User enabled.', passkey: 'Passkey removed.', unlinked: 'Linked account removed: it no longer signs in as this user.' };

consoleUsers.get('/:id', (c) => {
  const key = Object.keys(NOTICES).find((k) => c.req.query(k));
  return show(c, key ? { notice: NOTICES[key] } : {});
});

/** Profile: the changed standard claims ('' removes one) and the attributes object (members absent now are removed). */
consoleUsers.post('/:id', async (c) => {
  const f = formOf(c);
  const current = await callAdmin(c, 'GET', path(c));
  if (current.status === 404) return notFoundPage(c, 'user');
  const before = (current.body.claims ?? {}) as Json;
  const claims: Json = {};
  for (const name of EDITABLE_CLAIMS) {
    const v = (f.get(`claim_${name}`) ?? '').trim();
    const old = typeof before[name] === 'string' ? before[name] : before[name] === undefined ? '' : JSON.stringify(before[name]);
    if (v !== old) claims[name] = v === '' ? null : v;
  }
  let attributes: Json | undefined;
  const rawAttributes = (f.get('attributes') ?? '').trim() || '{}';
  try {
    const parsed = JSON.parse(rawAttributes) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    const old = (current.body.attributes ?? {}) as Json;
    attributes = { ...Object.fromEntries(Object.keys(old).filter((k) => !(k in parsed)).map((k) => [k, null])), ...(parsed as Json) };
    if (JSON.stringify(parsed) === JSON.stringify(old)) attributes = undefined;
  } catch {
    return show(c, { error: 'Attributes must be a JSON object, e.g. {"department": "sales"}.' }, 400);
  }
  if (Object.keys(claims).length === 0 && !attributes) return show(c, { notice: 'Nothing changed.' });
  const a = await callAdmin(c, 'PATCH', path(c), { ...(Object.keys(claims).length ? { claims } : {}), ...(attributes ? { attributes } : {}) });
  if (a.status !== 200) return show(c, { error: problem(a) }, 400);
  return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?saved=1`, 303);
});

consoleUsers.post('/:id/role', async (c) => {
  const role = formOf(c).get('role');
  const a = await callAdmin(c, 'PATCH', path(c), { role: role === 'admin' ? 'admin' : null });
  if (a.status === 404) return notFoundPage(c, 'user');
  if (a.status !== 200) return show(c, { error: problem(a) }, 400);
  return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?role=1`, 303);
});

for (const action of ['disable', 'enable'] as const) {
  consoleUsers.post(`/:id/${action}`, async (c) => {
    if (action === 'disable' && c.req.param('id') === consoleState(c).admin.id) return show(c, { error: 'You cannot disable your own account here.' }, 400);
    const a = await callAdmin(c, 'POST', `${path(c)}/${action}`);
    if (a.status === 404) return notFoundPage(c, 'user');
    if (a.status !== 200) return show(c, { error: problem(a) }, 400);
    return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?${action}d=1`, 303);
  });
}

consoleUsers.post('/:id/password', async (c) => {
  const a = await callAdmin(c, 'POST', `${path(c)}/password`, { password: formOf(c).get('password') ?? '' });
  if (a.status === 404) return notFoundPage(c, 'user');
  if (a.status !== 200) return show(c, { error: problem(a) }, 400);
  return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?password=1`, 303);
});

consoleUsers.post('/:id/sessions/:sid/end', async (c) => {
  const a = await callAdmin(c, 'DELETE', `${path(c)}/sessions/${encodeURIComponent(c.req.param('sid'))}`);
  if (a.status === 404) return notFoundPage(c, 'session');
  return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?ended=1`, 303);
});

consoleUsers.post('/:id/passkeys/:credentialId/delete', async (c) => {
  const a = await callAdmin(c, 'DELETE', `${path(c)}/passkeys/${encodeURIComponent(c.req.param('credentialId'))}`);
  if (a.status === 404) return notFoundPage(c, 'passkey');
  return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?passkey=1`, 303);
});

/** Removes a link to an upstream provider's account (the upstream and its `sub` are form fields: a `sub` may hold any character). */
consoleUsers.post('/:id/links/delete', async (c) => {
  const f = formOf(c);
  const a = await callAdmin(c, 'DELETE', `${path(c)}/links/${encodeURIComponent(f.get('upstream') ?? '')}/${encodeURIComponent(f.get('subject') ?? '')}`);
  if (a.status === 404) return notFoundPage(c, 'linked account');
  if (a.status !== 204) return show(c, { error: problem(a) }, 400);
  return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?unlinked=1`, 303);
});

consoleUsers.post('/:id/delete', async (c) => {
  if (c.req.param('id') === consoleState(c).admin.id) return show(c, { error: 'You cannot delete your own account here.' }, 400);
  if (formOf(c).get('confirm') !== 'yes') return show(c, { error: 'Tick the confirmation box to delete the user.' }, 400);
  const a = await callAdmin(c, 'DELETE', path(c));
  if (a.status === 404) return notFoundPage(c, 'user');
  return c.redirect(`${BASE}?deleted=1`, 303);
});
