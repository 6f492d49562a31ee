import { Hono } from 'hono';
import { ApisPage, UpstreamsPage } from '../../views/console';
import { renderPage } from '../../views/render';
import { callAdmin, formOf, frame, notFoundPage, problem, type ConsoleContext, type ConsoleEnv } from './types';

/** Console: upstream OpenID providers (issue 11) and APIs (issue 13): list, create, delete, through the admin API's routes. */
export const consoleUpstreams = new Hono<ConsoleEnv>();
export const consoleApis = new Hono<ConsoleEnv>();

type Json = Record<string, unknown>;
const text = (v: string | undefined) => (v ?? '').trim();
type Extra = { notice?: string; error?: string; values?: Json; created?: Json };

async function upstreamsPage(c: ConsoleContext, extra: Extra = {}, status: 200 | 400 = 200) {
  const a = await callAdmin(c, 'GET', '/upstreams');
  const { values, created, ...messages } = extra;
  return renderPage(c, <UpstreamsPage {...frame(c, 'Upstream providers', 'upstreams', messages)} upstreams={(a.body.upstreams as Json[] | undefined) ?? []} values={values} created={created} />, status);
}

consoleUpstreams.get('/', (c) => upstreamsPage(c, c.req.query('deleted') ? { notice: 'Upstream provider deleted.' } : {}));

consoleUpstreams.post('/', async (c) => {
  const f = formOf(c);
  const body: Json = {
    name: text(f.get('name')),
    slug: text(f.get('slug')),
    issuer: text(f.get('issuer')),
    client_id: text(f.get('client_id')),
    client_secret: f.get('client_secret') ?? '',
    link_by_email: f.get('link_by_email') === 'on',
    end_session: f.get('end_session') === 'on',
  };
  if (text(f.get('scopes'))) body.scopes = text(f.get('scopes'));
  const a = await callAdmin(c, 'POST', '/upstreams', body);
  // The form comes back filled in on an error, never with the secret.
  if (a.status !== 201) return upstreamsPage(c, { error: problem(a), values: { ...body, client_secret: undefined, scopes: text(f.get('scopes')) } }, 400);
  return upstreamsPage(c, { notice: `Upstream provider ${String(a.body.name)} added.`, created: a.body });
});

consoleUpstreams.post('/:slug/delete', async (c) => {
  if (formOf(c).get('confirm') !== 'yes') return upstreamsPage(c, { error: 'Tick the confirmation box to delete the upstream provider.' }, 400);
  const a = await callAdmin(c, 'DELETE', `/upstreams/${encodeURIComponent(c.req.param('slug'))}`);
  if (a.status === 404) return notFoundPage(c, 'upstream provider');
  return c.redirect('/admin/console/upstreams?deleted=1', 303);
});

async function apisPage(c: ConsoleContext, extra: Extra = {}, status: 200 | 400 = 200) {
  const a = await callAdmin(c, 'GET', '/apis');
  const { values, created, ...messages } = extra;
  return renderPage(c, <ApisPage {...frame(c, 'APIs', 'apis', messages)} apis={(a.body.apis as Json[] | undefined) ?? []} values={values} created={created} />, status);
}

consoleApis.get('/', (c) => apisPage(c, c.req.query('deleted') ? { notice: 'API deleted.' } : {}));

consoleApis.post('/', async (c) => {
  const f = formOf(c);
  const body: Json = { identifier: text(f.get('identifier')), name: text(f.get('name')) };
  if (text(f.get('scopes'))) body.scopes = text(f.get('scopes'));
  const ttl = text(f.get('access_token_ttl'));
  if (ttl) body.access_token_ttl = /^\d{1,9}$/.test(ttl) ? Number(ttl) : ttl;
  const a = await callAdmin(c, 'POST', '/apis', body);
  if (a.status !== 201) return apisPage(c, { error: problem(a), values: { ...body, scopes: text(f.get('scopes')) } }, 400);
  return apisPage(c, { notice: `API ${String(a.body.name)} added.`, created: a.body });
});

consoleApis.post('/:id/delete', async (c) => {
  if (formOf(c).get('confirm') !== 'yes') return apisPage(c, { error: 'Tick the confirmation box to delete the API.' }, 400);
  const a = await callAdmin(c, 'DELETE', `/apis/${encodeURIComponent(c.req.param('id'))}`);
  if (a.status === 404) return notFoundPage(c, 'API');
  return c.redirect('/admin/console/apis?deleted=1', 303);
});
