import { Hono } from 'hono';
import { keyPolicy } from '../../keys/policy_config';
import { KeysPage } from '../../views/console';
import { renderPage } from '../../views/render';
import { callAdmin, formOf, frame, problem, type ConsoleContext, type ConsoleEnv } from './types';

/** Console: signing keys per algorithm; forced rotation and revocation with the CLI's warnings. */
export const consoleKeys = new Hono<ConsoleEnv>();

async function show(c: ConsoleContext, extra: { notice?: string; error?: string } = {}, status: 200 | 400 = 200) {
  const a = await callAdmin(c, 'GET', '/keys');
  const keys = (a.body.keys as Record<string, unknown>[] | undefined) ?? [];
  const algorithms = [...new Set([...keyPolicy(c.env).algorithms, ...keys.map((k) => String(k.alg))])];
  return renderPage(c, <KeysPage {...frame(c, 'Signing keys', 'keys', extra)} version={Number(a.body.version ?? 0)} keys={keys} algorithms={algorithms} />, status);
}

consoleKeys.get('/', (c) => show(c));

consoleKeys.post('/rotate', async (c) => {
  const f = formOf(c);
  if (f.get('confirm') !== 'yes') return show(c, { error: 'Tick the confirmation box to rotate.' }, 400);
  const alg = f.get('alg');
  const a = await callAdmin(c, 'POST', '/keys/rotate', alg ? { alg } : {});
  if (a.status !== 200) return show(c, { error: problem(a) }, 400);
  const rotated = ((a.body.rotated as { alg: string; activated: string }[] | undefined) ?? []).map((r) => `${r.alg}: ${r.activated} now signs`).join('; ');
  return show(c, { notice: `Rotated (${rotated || 'nothing to rotate'}). ${String(a.body.warning ?? '')}` });
});

consoleKeys.post('/:kid/revoke', async (c) => {
  if (formOf(c).get('confirm') !== 'yes') return show(c, { error: 'Tick the confirmation box to revoke the key.' }, 400);
  const a = await callAdmin(c, 'POST', `/keys/${encodeURIComponent(c.req.param('kid'))}/revoke`);
  if (a.status !== 200) return show(c, { error: problem(a) }, a.status === 404 ? 400 : 400);
  return show(c, { notice: `Revoked ${String(a.body.revoked)}${a.body.replaced_by ? `; ${String(a.body.replaced_by)} signs now` : ''}. ${String(a.body.warning ?? '')}` });
});
