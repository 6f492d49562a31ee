import { env } from 'cloudflare:test';
import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { keyPolicy } from '../../../src/keys/policy_config';
import { MAX_PUBLISHED_PER_ALG } from '../../../src/keys/rotation_policy';
import type { KeyAlg } from '../../../src/keys/types';
import { freshStorage, manager, published, publishedDocument, verifiesAgainst } from './helpers';

const DAY = 86_400;

describe('a year of daily cron runs (simulated time)', () => {
  beforeEach(freshStorage);

  it('keeps every unexpired token verifiable, pre-publishes each signing key, and never publishes more than three keys per algorithm', async () => {
    const policy = keyPolicy(env);
    const lifetime = 3600;
    const start = Math.floor(Date.now() / 1000);
    await manager().rotate(start);
    const issued: { token: string; exp: number; alg: KeyAlg }[] = [];
    const firstUse = new Map<string, number>();
    const bootstrap = new Set((await publishedDocument()).keys.filter((k) => k.state === 'active').map((k) => k.kid));
    const created = new Map<string, number>();
    let rotations = 0;

    for (let day = 1; day <= 365; day++) {
      const cron = start + day * DAY;
      // Tokens issued during the hour before the cron run, the last one a second before it.
      const before = await published();
      for (const at of [cron - 1800, cron - 1]) {
        for (const [alg, key] of before.signing) {
          if (!firstUse.has(key.kid)) firstUse.set(key.kid, at);
          const token = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg, kid: key.kid }).setIssuedAt(at).setExpirationTime(at + lifetime).sign(key.key);
          issued.push({ token, exp: at + lifetime, alg });
        }
      }

      const { events } = await manager().rotate(cron);
      rotations += events.filter((e) => e.type === 'activated').length;
      const doc = await publishedDocument();
      const after = await published();
      for (const k of doc.keys) created.set(k.kid, k.createdAt);

      for (const alg of policy.algorithms) {
        const own = doc.keys.filter((k) => k.alg === alg);
        expect(own.length).toBeLessThanOrEqual(MAX_PUBLISHED_PER_ALG);
        expect(own.filter((k) => k.state === 'active')).toHaveLength(1);
        expect(own.filter((k) => k.state === 'next')).toHaveLength(1);
      }
      // Retired keys are gone once every token they signed has expired.
      for (const k of doc.keys) if (k.state === 'retired') expect(cron - k.retiredAt!).toBeLessThan(policy.retention);
      // Every token still valid at this instant verifies against what is published now.
      for (const t of issued.filter((t) => t.exp > cron)) expect(await verifiesAgainst(after.jwks.body, t.token, cron)).toBe(true);
    }

    // Each key that signed was published at least the pre-publication window before its first use.
    let checked = 0;
    for (const [kid, used] of firstUse) {
      if (bootstrap.has(kid)) continue;
      expect(created.has(kid)).toBe(true);
      expect(used - created.get(kid)!).toBeGreaterThanOrEqual(policy.prepublication);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(11 * policy.algorithms.length);
    // Thirty-day rotation for three algorithms: about twelve rotations each.
    expect(rotations).toBeGreaterThanOrEqual(11 * policy.algorithms.length);
    // Old tokens whose keys were removed no longer verify.
    const oldest = issued[0]!;
    expect(await verifiesAgainst((await published()).jwks.body, oldest.token, oldest.exp - 1)).toBe(false);
  }, 120_000);
});
