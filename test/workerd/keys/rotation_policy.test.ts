import { describe, expect, it } from 'vitest';
import type { KeyPolicy } from '../../../src/keys/policy_config';
import { MAX_PUBLISHED_PER_ALG, forceRotation, planRotation, revokeKey, type KeyFactory } from '../../../src/keys/rotation_policy';
import type { KeyDocument, KeyRecord } from '../../../src/keys/types';

const DAY = 86_400;
const policy: KeyPolicy = {
  algorithms: ['RS256'],
  defaultAlg: 'RS256',
  rsaModulusLength: 2048,
  rotation: { kind: 'period', seconds: 30 * DAY },
  prepublication: DAY,
  retention: 3900,
};

let counter = 0;
const fake: KeyFactory = async (alg, state) => ({
  kid: `k${++counter}`,
  alg,
  state,
  createdAt: clock,
  ...(state === 'active' ? { activatedAt: clock } : {}),
  publicJwk: { kty: 'RSA' },
  privateKey: { iv: '', data: '' },
});
let clock = 0;

const doc = (keys: KeyRecord[]): KeyDocument => ({ version: 1, kekId: 'x', keys, updatedAt: 0 });
const states = (keys: KeyRecord[]) => keys.map((k) => `${k.kid}:${k.state}`).sort();

describe('planRotation (pure rules)', () => {
  it('bootstraps an active key and a next key, then is idempotent', async () => {
    clock = 1000;
    const first = await planRotation(null, clock, policy, fake);
    expect(first.keys.map((k) => k.state).sort()).toEqual(['active', 'next']);
    const again = await planRotation(doc(first.keys), clock, policy, fake);
    expect(states(again.keys)).toEqual(states(first.keys));
    expect(again.events).toEqual([]);
  });

  it('promotes next only when the active key is due and next has been published for the whole window', async () => {
    clock = 0;
    const start = await planRotation(null, 0, policy, fake);
    const active = start.keys.find((k) => k.state === 'active')!;
    const next = start.keys.find((k) => k.state === 'next')!;
    // Not due yet.
    expect((await planRotation(doc(start.keys), 29 * DAY, policy, fake)).events).toEqual([]);
    // Due, but next was published only an hour ago.
    const young = start.keys.map((k) => (k.kid === next.kid ? { ...k, createdAt: 30 * DAY - 3600 } : k));
    const postponed = await planRotation(doc(young), 30 * DAY, policy, fake);
    expect(postponed.events).toEqual([expect.objectContaining({ type: 'postponed' })]);
    // Due and published long enough: rotates and publishes a new next.
    clock = 30 * DAY;
    const rotated = await planRotation(doc(start.keys), 30 * DAY, policy, fake);
    expect(rotated.keys.find((k) => k.state === 'active')!.kid).toBe(next.kid);
    expect(rotated.keys.find((k) => k.kid === active.kid)!.state).toBe('retired');
    expect(rotated.keys.filter((k) => k.state === 'next')).toHaveLength(1);
    expect(rotated.keys.length).toBeLessThanOrEqual(MAX_PUBLISHED_PER_ALG);
  });

  it('never publishes more than three keys: rotation waits while a retired key is still needed', async () => {
    const tight = { ...policy, rotation: { kind: 'period' as const, seconds: 3600 }, prepublication: 60, retention: 10 * 3600 };
    clock = 0;
    let keys = (await planRotation(null, 0, tight, fake)).keys;
    for (let t = 0; t <= 48 * 3600; t += 1800) {
      clock = t;
      keys = (await planRotation(doc(keys), t, tight, fake)).keys;
      expect(keys.length).toBeLessThanOrEqual(MAX_PUBLISHED_PER_ALG);
      expect(keys.filter((k) => k.state === 'active')).toHaveLength(1);
    }
  });

  it('rotates on the first run of a new month in monthly mode', async () => {
    const monthly = { ...policy, rotation: { kind: 'monthly' as const } };
    const jan31 = Date.UTC(2026, 0, 31, 12) / 1000;
    clock = jan31 - 2 * DAY;
    const start = await planRotation(null, clock, monthly, fake);
    expect((await planRotation(doc(start.keys), jan31, monthly, fake)).events).toEqual([]);
    clock = Date.UTC(2026, 1, 1, 3) / 1000;
    const feb = await planRotation(doc(start.keys), clock, monthly, fake);
    expect(feb.events.map((e) => e.type)).toContain('activated');
  });

  it('drops retired keys after the retention period, and retires keys of algorithms no longer configured', async () => {
    clock = 0;
    const es = await planRotation(null, 0, { ...policy, algorithms: ['RS256', 'ES256'] }, fake);
    const later = await planRotation(doc(es.keys), 10, policy, fake);
    expect(later.keys.filter((k) => k.alg === 'ES256').map((k) => k.state)).toEqual(['retired']);
    const gone = await planRotation(doc(later.keys), 10 + policy.retention, policy, fake);
    expect(gone.keys.some((k) => k.alg === 'ES256')).toBe(false);
  });

  it('forced rotation promotes next now and stays within three keys', async () => {
    clock = 0;
    let keys = (await planRotation(null, 0, policy, fake)).keys;
    const next = keys.find((k) => k.state === 'next')!;
    keys = (await forceRotation(keys, 'RS256', 5, fake)).keys;
    expect(keys.find((k) => k.state === 'active')!.kid).toBe(next.kid);
    keys = (await forceRotation(keys, 'RS256', 6, fake)).keys;
    expect(keys.length).toBeLessThanOrEqual(MAX_PUBLISHED_PER_ALG);
    expect(keys.filter((k) => k.state === 'active')).toHaveLength(1);
  });

  it('revoking the active key promotes the published next key and unpublishes the revoked one', async () => {
    clock = 0;
    const keys = (await planRotation(null, 0, policy, fake)).keys;
    const active = keys.find((k) => k.state === 'active')!;
    const next = keys.find((k) => k.state === 'next')!;
    const r = await revokeKey(keys, active.kid, 7, fake);
    expect(r!.keys.some((k) => k.kid === active.kid)).toBe(false);
    expect(r!.keys.find((k) => k.state === 'active')!.kid).toBe(next.kid);
    expect(r!.keys.filter((k) => k.state === 'next')).toHaveLength(1);
    expect(await revokeKey(keys, 'unknown', 7, fake)).toBeNull();
  });
});
