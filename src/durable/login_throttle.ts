import { DurableObject } from 'cloudflare:workers';

export interface ThrottleState {
  allowed: boolean;
  retryAfter: number;
}

export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
}

/** Failure timestamps still inside the window, oldest first. */
export function recentFailures(failures: number[], now: number, policy: ThrottlePolicy): number[] {
  return failures.filter((t) => t > now - policy.windowSeconds);
}

export function throttleState(failures: number[], now: number, policy: ThrottlePolicy): ThrottleState {
  const recent = recentFailures(failures, now, policy);
  if (recent.length < policy.maxFailures) return { allowed: true, retryAfter: 0 };
  const oldestCounted = recent[recent.length - policy.maxFailures]!;
  return { allowed: false, retryAfter: Math.max(1, oldestCounted + policy.windowSeconds - now) };
}

const KEY = 'failures';

/**
 * A sliding-window counter of failed sign-ins, one instance per account and one per client IP
 * (addressed by name). Durable Objects make it consistent across every isolate and location.
 */
export class LoginThrottle extends DurableObject {
  check(now: number, policy: ThrottlePolicy): ThrottleState {
    return throttleState(this.ctx.storage.kv.get<number[]>(KEY) ?? [], now, policy);
  }

  async recordFailure(now: number, policy: ThrottlePolicy): Promise<ThrottleState> {
    const failures = [...recentFailures(this.ctx.storage.kv.get<number[]>(KEY) ?? [], now, policy), now].slice(-policy.maxFailures * 2);
    this.ctx.storage.kv.put(KEY, failures);
    await this.ctx.storage.setAlarm((now + policy.windowSeconds) * 1000);
    return throttleState(failures, now, policy);
  }

  async reset(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
