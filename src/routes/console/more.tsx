import { Hono } from 'hono';
import { settings } from '../../settings';
import { ClaimsPage, LogoutDeliveriesPage, RegistrationPage } from '../../views/console';
import { renderPage } from '../../views/render';
import { callAdmin, formOf, frame, notFoundPage, problem, type ConsoleContext, type ConsoleEnv } from './types';

/** Console: custom scopes and claims, registration tokens, back-channel logout deliveries (through the admin API's routes). */
export const consoleClaims = new Hono<ConsoleEnv>();
export const consoleRegistration = new Hono<ConsoleEnv>();
export const consoleLogout = new Hono<ConsoleEnv>();

async function claimsPage(c: ConsoleContext, extra: { notice?: string; error?: string } = {}, status: 200 | 400 = 200) {
  const [claims, scopes] = await Promise.all([callAdmin(c, 'GET', '/claims'), callAdmin(c, 'GET', '/scopes')]);
  return renderPage(
    c,
    <ClaimsPage {...frame(c, 'Scopes & claims', 'claims', extra)} claims={(claims.body.claims as Record<string, unknown>[] | undefined) ?? []} scopes={(scopes.body.scopes as Record<string, unknown>[] | undefined) ?? []} />,
    status,
  );
}

const text = (v: string | undefined) => (v ?? '').trim();
const optional = (v: string | undefined) => (text(v) ? { description: text(v) } : {});

consoleClaims.get('/', (c) => claimsPage(c));

consoleClaims.post('/claim', async (c) => {
  const f = formOf(c);
  const a = await callAdmin(c, 'POST', '/claims', { name: text(f.get('name')), attribute: text(f.get('attribute')), ...optional(f.get('description')) });
  return a.status === 201 ? claimsPage(c, { notice: `Claim ${String(a.body.name)} created.` }) : claimsPage(c, { error: problem(a) }, 400);
});

consoleClaims.post('/claim/delete', async (c) => {
  const a = await callAdmin(c, 'DELETE', `/claims?${new URLSearchParams({ name: text(formOf(c).get('name')) })}`);
  return a.status === 204 ? claimsPage(c, { notice: 'Claim deleted.' }) : claimsPage(c, { error: problem(a) }, 400);
});

consoleClaims.post('/scope', async (c) => {
  const f = formOf(c);
  const claims = text(f.get('claims')).split(/[\s,]+/).filter(Boolean);
  const a = await callAdmin(c, 'POST', '/scopes', { name: text(f.get('name')), claims, ...optional(f.get('description')) });
  return a.status === 201 ? claimsPage(c, { notice: `Scope ${String(a.body.name)} created.` }) : claimsPage(c, { error: problem(a) }, 400);
});

consoleClaims.post('/scope/:name/delete', async (c) => {
  const a = await callAdmin(c, 'DELETE', `/scopes/${encodeURIComponent(c.req.param('name'))}`);
  if (a.status === 404) return notFoundPage(c, 'scope');
  return claimsPage(c, { notice: 'Scope deleted.' });
});

const mode = (c: ConsoleContext) => settings(c.env).registration;

consoleRegistration.get('/', (c) => renderPage(c, <RegistrationPage {...frame(c, 'Registration tokens', 'registration')} mode={mode(c)} />));

consoleRegistration.post('/', async (c) => {
  const f = formOf(c);
  const num = (v: string | undefined, fallback: number) => (/^\d{1,9}$/.test(text(v)) ? Number(text(v)) : text(v) === '' ? fallback : text(v));
  const a = await callAdmin(c, 'POST', '/registration/tokens', { uses: num(f.get('uses'), 1), ttl: num(f.get('ttl'), 86400) });
  if (a.status !== 201) return renderPage(c, <RegistrationPage {...frame(c, 'Registration tokens', 'registration', { error: problem(a) })} mode={mode(c)} />, 400);
  return renderPage(c, <RegistrationPage {...frame(c, 'Registration tokens', 'registration', { notice: 'Token issued.' })} mode={mode(c)} issued={a.body} />);
});

consoleLogout.get('/', async (c) => {
  const status = ['pending', 'delivered', 'failed'].includes(c.req.query('status') ?? '') ? c.req.query('status')! : '';
  const a = await callAdmin(c, 'GET', `/logout-deliveries?${new URLSearchParams({ limit: '100', ...(status ? { status } : {}) })}`);
  return renderPage(c, <LogoutDeliveriesPage {...frame(c, 'Logout deliveries', 'logout-deliveries')} deliveries={(a.body.deliveries as Record<string, unknown>[] | undefined) ?? []} status={status} />);
});
