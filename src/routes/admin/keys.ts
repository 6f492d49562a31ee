import { audit } from '../../observability/audit';
import { Hono } from 'hono';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { InvalidRequest } from '../../errors';
import { keySetChanged } from '../../jobs/scheduled';
import { keyManager as manager } from '../../keys/manager';
import { isKeyAlg, type KeyRecord } from '../../keys/types';
import type { RotationEvent } from '../../keys/rotation_policy';
import { notFound } from './common';

/** Emergency key operations (the schedule needs none of them). */
export const adminKeys = new Hono<AppEnv>();

const keyJson = (k: KeyRecord) => ({
  kid: k.kid,
  alg: k.alg,
  state: k.state,
  created_at: k.createdAt,
  ...(k.activatedAt !== undefined ? { activated_at: k.activatedAt } : {}),
  ...(k.retiredAt !== undefined ? { retired_at: k.retiredAt } : {}),
});

adminKeys.get('/', async (c) => {
  const doc = await manager(c.env).document();
  return c.json({ version: doc?.version ?? 0, keys: (doc?.keys ?? []).map(keyJson) });
});

adminKeys.post('/rotate', async (c) => {
  let alg: unknown;
  const text = await c.req.text();
  if (text.trim() !== '') {
    try {
      alg = (JSON.parse(text) as { alg?: unknown }).alg;
    } catch {
      throw new InvalidRequest('body is not valid JSON');
    }
  }
  if (alg !== undefined && !isKeyAlg(alg)) throw new InvalidRequest('alg must be one of RS256, PS256, ES256, EdDSA');
  const { events } = await manager(c.env).forceRotate(now(), alg);
  await keySetChanged(c.env, c.var.issuer);
  const rotated = events
    .filter((e): e is Extract<RotationEvent, { type: 'activated' }> => e.type === 'activated')
    .map((e) => ({
      alg: e.alg,
      activated: e.kid,
      retired: events.find((r): r is Extract<RotationEvent, { type: 'retired' }> => r.type === 'retired' && r.alg === e.alg)?.kid ?? null,
    }));
  for (const r of rotated) audit('key.rotated', { subject: r.activated, details: { alg: r.alg, retired: r.retired, forced: true } });
  return c.json({
    rotated,
    warning: 'New keys sign immediately. Relying parties that cached the JWKS before the new key was published may fail to verify new tokens until their cache expires.',
  });
});

adminKeys.post('/:kid/revoke', async (c) => {
  const kid = c.req.param('kid');
  const change = await manager(c.env).revoke(now(), kid);
  if (!change) return notFound(c);
  await keySetChanged(c.env, c.var.issuer);
  const removed = change.events.find((e) => e.type === 'removed' && e.kid === kid);
  const replacedBy = change.events.find((e) => e.type === 'activated' || (e.type === 'created' && e.state === 'active'));
  audit('key.revoked', { subject: kid, details: { alg: removed?.alg, replaced_by: replacedBy && 'kid' in replacedBy ? replacedBy.kid : null } });
  return c.json({
    revoked: kid,
    alg: removed?.alg,
    replaced_by: replacedBy && 'kid' in replacedBy ? replacedBy.kid : null,
    warning: 'Tokens signed with this key no longer verify, here and at relying parties once their JWKS cache expires.',
  });
});
