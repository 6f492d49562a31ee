import type { KeyPolicy } from './policy_config';
import type { KeyAlg, KeyDocument, KeyRecord, KeyState } from './types';

/** Creates (and seals) a new key in the given state. Injected, so these rules stay free of crypto. */
export type KeyFactory = (alg: KeyAlg, state: KeyState) => Promise<KeyRecord>;

export type RotationEvent =
  | { type: 'created'; alg: KeyAlg; kid: string; state: KeyState }
  | { type: 'activated'; alg: KeyAlg; kid: string }
  | { type: 'retired'; alg: KeyAlg; kid: string }
  | { type: 'removed'; alg: KeyAlg; kid: string }
  | { type: 'postponed'; alg: KeyAlg; reason: string };

export interface RotationResult {
  keys: KeyRecord[];
  events: RotationEvent[];
}

/** At most this many keys per algorithm are ever published: next, active and one retired. */
export const MAX_PUBLISHED_PER_ALG = 3;

const byAlg = (keys: KeyRecord[], alg: KeyAlg) => keys.filter((k) => k.alg === alg);

function rotationDue(active: KeyRecord, now: number, policy: KeyPolicy): boolean {
  const since = active.activatedAt ?? active.createdAt;
  if (policy.rotation.kind === 'period') return now - since >= policy.rotation.seconds;
  const a = new Date(since * 1000);
  const b = new Date(now * 1000);
  return b.getUTCFullYear() * 12 + b.getUTCMonth() > a.getUTCFullYear() * 12 + a.getUTCMonth();
}

/**
 * The scheduled rotation policy, one algorithm at a time:
 * 1. drop retired keys whose tokens have all expired (retiredAt + retention);
 * 2. with no key at all, create an active key (nobody can hold a JWKS with a key yet);
 * 3. promote next to active when the active key is due AND next has been published for the whole
 *    pre-publication window AND no other retired key is still needed (so never more than three);
 * 4. make sure a next key is published.
 * Keys of algorithms no longer configured are retired, then dropped after retention.
 * Running it twice at the same instant changes nothing the second time.
 */
export async function planRotation(doc: KeyDocument | null, now: number, policy: KeyPolicy, create: KeyFactory): Promise<RotationResult> {
  const events: RotationEvent[] = [];
  let keys = [...(doc?.keys ?? [])];

  const expired = keys.filter((k) => k.state === 'retired' && (k.retiredAt ?? 0) + policy.retention <= now);
  for (const k of expired) events.push({ type: 'removed', alg: k.alg, kid: k.kid });
  keys = keys.filter((k) => !expired.includes(k));

  for (const k of keys) {
    if (policy.algorithms.includes(k.alg) || k.state === 'retired') continue;
    if (k.state === 'next') {
      events.push({ type: 'removed', alg: k.alg, kid: k.kid });
      keys = keys.filter((x) => x !== k);
    } else {
      keys = keys.map((x) => (x === k ? { ...x, state: 'retired' as const, retiredAt: now } : x));
      events.push({ type: 'retired', alg: k.alg, kid: k.kid });
    }
  }

  for (const alg of policy.algorithms) {
    let own = byAlg(keys, alg);
    const active = own.find((k) => k.state === 'active');
    const next = own.find((k) => k.state === 'next');
    if (!active) {
      if (own.length === 0) {
        const fresh = await create(alg, 'active');
        keys.push(fresh);
        events.push({ type: 'created', alg, kid: fresh.kid, state: 'active' });
      } else if (next) {
        // Only reachable if the active key was lost; next is already published, so it is the safest signer.
        keys = promote(keys, next, undefined, now);
        events.push({ type: 'activated', alg, kid: next.kid });
      }
    } else if (next && rotationDue(active, now, policy)) {
      const publishedFor = now - next.createdAt;
      const stillNeeded = own.filter((k) => k.state === 'retired').length;
      if (publishedFor < policy.prepublication) {
        events.push({ type: 'postponed', alg, reason: `next key published for ${publishedFor}s of the ${policy.prepublication}s pre-publication window` });
      } else if (stillNeeded > 0) {
        events.push({ type: 'postponed', alg, reason: 'a retired key is still needed to verify unexpired tokens' });
      } else {
        keys = promote(keys, next, active, now);
        events.push({ type: 'retired', alg, kid: active.kid }, { type: 'activated', alg, kid: next.kid });
      }
    }
    own = byAlg(keys, alg);
    if (!own.some((k) => k.state === 'next') && own.length < MAX_PUBLISHED_PER_ALG) {
      const fresh = await create(alg, 'next');
      keys.push(fresh);
      events.push({ type: 'created', alg, kid: fresh.kid, state: 'next' });
    }
  }
  return { keys, events };
}

/** next → active, and the old active (if any) → retired. */
export function promote(keys: KeyRecord[], next: KeyRecord, active: KeyRecord | undefined, now: number): KeyRecord[] {
  return keys.map((k) => {
    if (k.kid === next.kid) return { ...k, state: 'active' as const, activatedAt: now };
    if (active && k.kid === active.kid) return { ...k, state: 'retired' as const, retiredAt: now };
    return k;
  });
}

/**
 * Emergency rotation: promote next now, whatever the schedule. Relying parties that cached the
 * JWKS before next was published may fail to verify new tokens until their cache expires. To
 * stay within three published keys, an older retired key is dropped (its tokens stop verifying).
 */
export async function forceRotation(keys: KeyRecord[], alg: KeyAlg, now: number, create: KeyFactory): Promise<RotationResult> {
  const events: RotationEvent[] = [];
  const own = byAlg(keys, alg);
  const active = own.find((k) => k.state === 'active');
  let next = own.find((k) => k.state === 'next');
  let out = [...keys];
  for (const old of own.filter((k) => k.state === 'retired')) {
    out = out.filter((k) => k.kid !== old.kid);
    events.push({ type: 'removed', alg, kid: old.kid });
  }
  if (!next) {
    next = await create(alg, 'next');
    out.push(next);
    events.push({ type: 'created', alg, kid: next.kid, state: 'next' });
  }
  out = promote(out, next, active, now);
  if (active) events.push({ type: 'retired', alg, kid: active.kid });
  events.push({ type: 'activated', alg, kid: next.kid });
  const fresh = await create(alg, 'next');
  out.push(fresh);
  events.push({ type: 'created', alg, kid: fresh.kid, state: 'next' });
  return { keys: out, events };
}

/**
 * Revocation: the key is unpublished and stops signing at once. If it was the active key, the
 * published next key takes over and a new next is created.
 */
export async function revokeKey(keys: KeyRecord[], kid: string, now: number, create: KeyFactory): Promise<RotationResult | null> {
  const target = keys.find((k) => k.kid === kid);
  if (!target) return null;
  const events: RotationEvent[] = [{ type: 'removed', alg: target.alg, kid }];
  let out = keys.filter((k) => k.kid !== kid);
  const own = byAlg(out, target.alg);
  if (target.state === 'active' || target.state === 'next') {
    let successor = own.find((k) => k.state === 'next');
    if (target.state === 'active') {
      if (successor) {
        out = promote(out, successor, undefined, now);
        events.push({ type: 'activated', alg: target.alg, kid: successor.kid });
      } else {
        successor = await create(target.alg, 'active');
        out.push(successor);
        events.push({ type: 'created', alg: target.alg, kid: successor.kid, state: 'active' });
      }
    }
    const fresh = await create(target.alg, 'next');
    out.push(fresh);
    events.push({ type: 'created', alg: target.alg, kid: fresh.kid, state: 'next' });
  }
  return { keys: out, events };
}
