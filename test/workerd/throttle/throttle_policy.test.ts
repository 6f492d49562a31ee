// The pure throttling rules with an injected clock, and the Durable Object that applies them
// atomically (called directly with explicit times: the real local Durable Object, no sleeps).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import * as limits from '../../../src/throttle/limits';
import { LOGIN_ACCOUNT_IP, LOGIN_IP } from '../../../src/throttle/limits';
import { backoffDelay, count, release, verdict, type ThrottlePolicy } from '../../../src/throttle/policy';

const window: ThrottlePolicy = { kind: 'window', limit: 3, windowSeconds: 60 };
const backoff = { kind: 'backoff', free: 2, baseDelay: 2, maxDelay: 10, forgetAfter: 100 } as const;

function fill(policy: ThrottlePolicy, times: number[]): number[] {
  return times.reduce<number[]>((events, t) => count(events, t, policy), []);
}

describe('window rule', () => {
  it('allows `limit` events, then answers the seconds until the oldest leaves; the window rolls over', () => {
    const events = fill(window, [1000, 1010, 1020]);
    expect(verdict(events, 1030, window)).toEqual({ allowed: false, retryAfter: 30 });
    expect(verdict(events, 1059, window)).toEqual({ allowed: false, retryAfter: 1 });
    expect(verdict(events, 1060, window)).toEqual({ allowed: true, retryAfter: 0 });
    // After the roll-over the counter holds only what is still inside the window.
    expect(count(events, 1075, window)).toEqual([1020, 1075]);
  });

  it('release gives back one reserved event', () => {
    const events = fill(window, [1000, 1000, 1001]);
    expect(release(events, 1000, window)).toEqual([1000, 1001]);
    expect(verdict(release(events, 1000, window), 1002, window).allowed).toBe(true);
  });
});

describe('backoff rule', () => {
  it('free attempts, then a delay that doubles up to the cap; forgotten after forgetAfter', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, backoff))).toEqual([0, 0, 2, 4, 8, 10, 10]);
    let events = fill(backoff, [1000, 1000]);
    expect(verdict(events, 1000, backoff)).toEqual({ allowed: false, retryAfter: 2 });
    expect(verdict(events, 1002, backoff).allowed).toBe(true);
    events = count(events, 1002, backoff);
    expect(verdict(events, 1005, backoff)).toEqual({ allowed: false, retryAfter: 1 });
    expect(verdict(events, 1006, backoff).allowed).toBe(true);
    // Long after the last failure everything is forgotten: free attempts again.
    expect(verdict(events, 1102, backoff)).toEqual({ allowed: true, retryAfter: 0 });
    expect(count(events, 1102, backoff)).toEqual([1102]);
  });

  it('a success starts over', () => {
    expect(release(fill(backoff, [1, 2, 3]), 3, backoff)).toEqual([]);
  });

  it('the sign-in rule gives 5 free attempts and then waits 2 s, 4 s, 8 s ...', () => {
    const events = fill(LOGIN_ACCOUNT_IP, [500, 500, 500, 500, 500]);
    expect(verdict(events, 500, LOGIN_ACCOUNT_IP)).toEqual({ allowed: false, retryAfter: 2 });
    expect(verdict(count(events, 502, LOGIN_ACCOUNT_IP), 502, LOGIN_ACCOUNT_IP)).toEqual({ allowed: false, retryAfter: 4 });
  });
});

describe('the throttle Durable Object', () => {
  const stub = () => env.THROTTLE.get(env.THROTTLE.idFromName(`unit-${crypto.randomUUID()}`));
  // Explicit times from the present on: the object's clean-up alarm is set at real time, so a time
  // in the past would let it fire in the middle of a test.
  const T = Math.floor(Date.now() / 1000);

  it('checks and counts in one step: 12 parallel takes, exactly `limit` allowed', async () => {
    const t = stub();
    const rules = [{ key: 'ip', policy: window }];
    const results = await Promise.all(Array.from({ length: 12 }, () => t.take(T, rules)));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    expect(results.filter((r) => !r.allowed).every((r) => r.retryAfter === 60)).toBe(true);
  });

  it('a take refused by one rule counts in none; the window rolls over at the right second', async () => {
    const t = stub();
    const rules = [
      { key: 'account:a', policy: LOGIN_ACCOUNT_IP },
      { key: 'ip', policy: LOGIN_IP },
    ];
    for (let i = 0; i < 5; i++) expect((await t.take(T, rules)).allowed).toBe(true);
    // The (account, IP) backoff refuses; the IP budget is not spent by the refusal.
    expect(await t.take(T, rules)).toEqual({ allowed: false, retryAfter: 2 });
    const others = [{ key: 'ip', policy: LOGIN_IP }];
    for (let i = 0; i < 25; i++) expect((await t.take(T + 1, [{ key: `account:${i}`, policy: LOGIN_ACCOUNT_IP }, ...others])).allowed).toBe(true);
    const spray = await t.take(T + 2, [{ key: 'account:z', policy: LOGIN_ACCOUNT_IP }, ...others]);
    expect(spray).toEqual({ allowed: false, retryAfter: T + 15 * 60 - (T + 2) });
    // Fifteen minutes after the first five, they have left the IP's window.
    expect((await t.take(T + 15 * 60, [{ key: 'account:z', policy: LOGIN_ACCOUNT_IP }, ...others])).allowed).toBe(true);
  });

  it('release after a success: the account starts over', async () => {
    const t = stub();
    const rules = [{ key: 'account:b', policy: LOGIN_ACCOUNT_IP }];
    for (let i = 0; i < 5; i++) await t.take(T, rules);
    await t.release(T, rules);
    expect((await t.take(T, rules)).allowed).toBe(true);
  });

  it.each(Object.entries(limits).filter(([, p]) => p.kind === 'window'))('%s: full at the limit, Retry-After exact, rolls over after the window', async (_name, policy) => {
    if (policy.kind !== 'window') throw new Error('window rules only');
    const t = stub();
    const rules = [{ key: 'k', policy }];
    const t0 = T;
    for (let i = 0; i < policy.limit; i++) expect((await t.take(t0, rules)).allowed).toBe(true);
    expect(await t.take(t0 + 1, rules)).toEqual({ allowed: false, retryAfter: policy.windowSeconds - 1 });
    expect(await t.take(t0 + policy.windowSeconds - 1, rules)).toEqual({ allowed: false, retryAfter: 1 });
    expect((await t.take(t0 + policy.windowSeconds, rules)).allowed).toBe(true);
  });
});
