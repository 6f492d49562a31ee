/**
 * The throttling rules, pure: no storage, no clock (the time is passed in). The Durable Object in
 * src/durable/login_throttle.ts applies them atomically to its stored counters.
 *
 * A counter is the list of its counted events (Unix seconds), oldest first. Two kinds of rule:
 * - `window`: at most `limit` events in any `windowSeconds`;
 * - `backoff`: `free` events, then each further one waits a delay that doubles from `baseDelay`
 *   up to `maxDelay` after the latest; events are forgotten `forgetAfter` seconds after they happen.
 */
export type ThrottlePolicy =
  | { kind: 'window'; limit: number; windowSeconds: number }
  | { kind: 'backoff'; free: number; baseDelay: number; maxDelay: number; forgetAfter: number };

export interface Verdict {
  allowed: boolean;
  /** Seconds until the next attempt would be allowed (0 when allowed). RFC 9110 §10.2.3 Retry-After. */
  retryAfter: number;
}

/** Longest counter kept for a backoff rule (the delay is capped long before this). */
const MAX_BACKOFF_EVENTS = 64;

const span = (p: ThrottlePolicy) => (p.kind === 'window' ? p.windowSeconds : p.forgetAfter);

/** The events still counted at `now`. */
export function live(events: readonly number[], now: number, policy: ThrottlePolicy): number[] {
  return events.filter((t) => t > now - span(policy));
}

/** The delay a backoff rule imposes after `count` events (0 while they are free). */
export function backoffDelay(count: number, policy: Extract<ThrottlePolicy, { kind: 'backoff' }>): number {
  if (count < policy.free) return 0;
  return Math.min(policy.maxDelay, policy.baseDelay * 2 ** Math.min(count - policy.free, 30));
}

/** Whether one more event may happen at `now`, and if not, for how long to wait. */
export function verdict(events: readonly number[], now: number, policy: ThrottlePolicy): Verdict {
  const counted = live(events, now, policy);
  if (policy.kind === 'window') {
    if (counted.length < policy.limit) return { allowed: true, retryAfter: 0 };
    // The window has room again once the oldest event that fills it leaves.
    const oldest = counted[counted.length - policy.limit]!;
    return { allowed: false, retryAfter: Math.max(1, oldest + policy.windowSeconds - now) };
  }
  const last = counted[counted.length - 1];
  const delay = backoffDelay(counted.length, policy);
  if (last === undefined || delay === 0 || now >= last + delay) return { allowed: true, retryAfter: 0 };
  return { allowed: false, retryAfter: Math.max(1, last + delay - now) };
}

/** The counter after one more event at `now` (call only when the verdict allowed it). */
export function count(events: readonly number[], now: number, policy: ThrottlePolicy): number[] {
  const next = [...live(events, now, policy), now];
  return policy.kind === 'window' ? next.slice(-policy.limit) : next.slice(-MAX_BACKOFF_EVENTS);
}

/**
 * The counter once the attempt reserved at `at` turned out well: a backoff rule starts over (the
 * rightful user proved themselves), a window forgets that one event.
 */
export function release(events: readonly number[], at: number, policy: ThrottlePolicy): number[] {
  if (policy.kind === 'backoff') return [];
  const i = events.lastIndexOf(at);
  return i === -1 ? [...events] : [...events.slice(0, i), ...events.slice(i + 1)];
}

/** When the counter holds nothing any more (its storage may be deleted), or null if empty. */
export function expiresAt(events: readonly number[], policy: ThrottlePolicy): number | null {
  const last = events[events.length - 1];
  return last === undefined ? null : last + span(policy);
}

/** The most restrictive of several verdicts: allowed only if all are, waiting for the longest. */
export function combine(verdicts: readonly Verdict[]): Verdict {
  const denied = verdicts.filter((v) => !v.allowed);
  return denied.length === 0 ? { allowed: true, retryAfter: 0 } : { allowed: false, retryAfter: Math.max(...denied.map((v) => v.retryAfter)) };
}
