import { Hono } from 'hono';
import type { Params } from '../../http/params';
import { ClientDetail, ClientsList, GRANT_TYPES, NewClientPage } from '../../views/console';
import { renderPage } from '../../views/render';
import { callAdmin, formOf, frame, notFoundPage, pageOf, problem, type ConsoleContext, type ConsoleEnv } from './types';

/** Console: clients (list, create, edit, rotate secret, delete), through the admin API's routes. */
export const consoleClients = new Hono<ConsoleEnv>();

const BASE = '/admin/console/clients';
const linesOf = (raw: string | undefined) => (raw ?? '').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
const on = (f: Params, name: string) => f.get(name) === 'on';

/** The form as an admin API body (the CLI's main options); `creating` also sends what is empty. */
function clientBody(f: Params, creating: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    client_name: (f.get('client_name') ?? '').trim(),
    redirect_uris: linesOf(f.get('redirect_uris')),
    token_endpoint_auth_method: f.get('token_endpoint_auth_method') ?? 'client_secret_basic',
    grant_types: GRANT_TYPES.filter((g) => on(f, `grant_${g}`)),
    first_party: on(f, 'first_party'),
    require_pushed_authorization_requests: on(f, 'require_pushed_authorization_requests'),
    dpop_bound_access_tokens: on(f, 'dpop_bound_access_tokens'),
  };
  const post = linesOf(f.get('post_logout_redirect_uris'));
  if (post.length || !creating) body.post_logout_redirect_uris = post;
  for (const name of ['scope', 'backchannel_logout_uri', 'jwks_uri']) {
    const v = (f.get(name) ?? '').trim();
    if (v) body[name] = v;
  }
  for (const name of ['access_token_ttl', 'refresh_token_ttl']) {
    const v = (f.get(name) ?? '').trim();
    if (v) body[name] = /^\d+$/.test(v) ? Number(v) : v;
  }
  return body;
}

const formValues = (f: Params) => ({ ...clientBody(f, true), scope: f.get('scope') ?? '', jwks_uri: f.get('jwks_uri') ?? '', backchannel_logout_uri: f.get('backchannel_logout_uri') ?? '' });

consoleClients.get('/', async (c) => {
  const a = await callAdmin(c, 'GET', '/clients');
  const all = (a.body.clients as Record<string, unknown>[] | undefined) ?? [];
  const page = pageOf(all, c.req.query('page'), (n) => `${BASE}?page=${n}`);
  return renderPage(c, <ClientsList {...frame(c, 'Clients', 'clients', { notice: c.req.query('deleted') ? 'Client deleted.' : undefined })} clients={page.rows} prev={page.prev} next={page.next} />);
});

consoleClients.get('/new', (c) => renderPage(c, <NewClientPage {...frame(c, 'New client', 'clients')} />));

consoleClients.post('/', async (c) => {
  const f = formOf(c);
  const a = await callAdmin(c, 'POST', '/clients', clientBody(f, true));
  if (a.status !== 201) return renderPage(c, <NewClientPage {...frame(c, 'New client', 'clients', { error: problem(a) })} client={formValues(f)} />, 400);
  return created(c, a.body, 'Client created.');
});

function created(c: ConsoleContext, client: Record<string, unknown>, notice: string) {
  const secret = typeof client.client_secret === 'string' ? client.client_secret : undefined;
  return renderPage(c, <ClientDetail {...frame(c, String(client.client_name ?? 'Client'), 'clients', { notice })} client={client} secret={secret} />);
}

async function show(c: ConsoleContext, extra: { notice?: string; error?: string; claimsDraft?: string } = {}, status: 200 | 400 = 200) {
  const id = encodeURIComponent(c.req.param('id')!);
  const [a, activity, claims, defined] = await Promise.all([
    callAdmin(c, 'GET', `/clients/${id}`),
    callAdmin(c, 'GET', `/clients/${id}/activity`),
    callAdmin(c, 'GET', `/clients/${id}/claims`),
    callAdmin(c, 'GET', '/claims'),
  ]);
  if (a.status === 404) return notFoundPage(c, 'client');
  const used = { consents: (activity.body.consents as Record<string, unknown>[] | undefined) ?? [], sessions: (activity.body.sessions as Record<string, unknown>[] | undefined) ?? [] };
  const customClaims = {
    released: (claims.body.claims as Record<string, unknown>[] | undefined) ?? [],
    defined: ((defined.body.claims as Record<string, unknown>[] | undefined) ?? []).map((x) => String(x.name)),
    draft: extra.claimsDraft,
  };
  return renderPage(c, <ClientDetail {...frame(c, String(a.body.client_name ?? 'Client'), 'clients', { notice: extra.notice, error: extra.error })} client={a.body} activity={used} customClaims={customClaims} />, status);
}

consoleClients.get('/:id', (c) => show(c, c.req.query('claims') ? { notice: 'Custom claims saved.' } : {}));

consoleClients.post('/:id', async (c) => {
  const a = await callAdmin(c, 'PATCH', `/clients/${encodeURIComponent(c.req.param('id'))}`, clientBody(formOf(c), false));
  if (a.status === 404) return notFoundPage(c, 'client');
  if (a.status !== 200) return show(c, { error: problem(a) }, 400);
  return created(c, a.body, 'Changes saved.');
});

/**
 * Per-client custom claims (released with every openid grant, no scope needed): the list as the
 * admin API takes it, a JSON array of names or {"name", "values"}; [] or empty clears it.
 */
consoleClients.post('/:id/claims', async (c) => {
  const raw = (formOf(c).get('claims') ?? '').trim() || '[]';
  let claims: unknown;
  try {
    claims = JSON.parse(raw);
  } catch {
    return show(c, { error: 'Custom claims must be a JSON list, e.g. ["https://example.com/claims/department"].', claimsDraft: raw }, 400);
  }
  const a = await callAdmin(c, 'PUT', `/clients/${encodeURIComponent(c.req.param('id'))}/claims`, { claims });
  if (a.status === 404) return notFoundPage(c, 'client');
  if (a.status !== 200) return show(c, { error: problem(a), claimsDraft: raw }, 400);
  return c.redirect(`${BASE}/${encodeURIComponent(c.req.param('id'))}?claims=1`, 303);
});

consoleClients.post('/:id/rotate-secret', async (c) => {
  const raw = formOf(c).get('overlap') ?? '86400';
  const a = await callAdmin(c, 'POST', `/clients/${encodeURIComponent(c.req.param('id'))}/rotate-secret`, { overlap: /^\d{1,8}$/.test(raw) ? Number(raw) : raw });
  if (a.status === 404) return notFoundPage(c, 'client');
  if (a.status !== 200) return show(c, { error: problem(a) }, 400);
  const client = await callAdmin(c, 'GET', `/clients/${encodeURIComponent(c.req.param('id'))}`);
  const until = Number(a.body.previous_secret_expires_at);
  return created(c, { ...client.body, client_secret: a.body.client_secret }, until > 0 ? `Secret rotated. The old one works until ${new Date(until * 1000).toISOString()}.` : 'Secret rotated. The old one no longer works.');
});

consoleClients.post('/:id/delete', async (c) => {
  if (formOf(c).get('confirm') !== 'yes') return show(c, { error: 'Tick the confirmation box to delete the client.' }, 400);
  const a = await callAdmin(c, 'DELETE', `/clients/${encodeURIComponent(c.req.param('id'))}`);
  if (a.status === 404) return notFoundPage(c, 'client');
  return c.redirect(`${BASE}?deleted=1`, 303);
});
