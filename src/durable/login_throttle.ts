import { DurableObject } from 'cloudflare:workers';
import { combine, count, expiresAt, release, verdict, type ThrottlePolicy, type Verdict } from '../throttle/policy';

export type { ThrottlePolicy, Verdict } from '../throttle/policy';

/** One counter of a throttle instance and the rule it follows. */
export interface ThrottleRule {
  key: string;
  policy: ThrottlePolicy;
}

/** The latest expiry of any counter here: the alarm that deletes them all is set to it. */
const HORIZON = '__horizon';

/**
 * The throttle counters of one source (the instance is addressed by name, e.g. `login:<ip>`), each
 * following a pure rule of src/throttle/policy.ts. A Durable Object runs one call at a time, and
 * every call below reads and writes its synchronous storage without awaiting in between, so a
 * check and its count are one atomic step: parallel requests cannot all pass the same check.
 * (The class keeps its historical name, which the wrangler.toml migration binds.)
 */
export class LoginThrottle extends DurableObject {
  /**
   * If every rule allows one more event at `now`, counts it in all of them and answers allowed;
   * otherwise counts nothing and answers how long to wait.
   */
  async take(now: number, rules: ThrottleRule[]): Promise<Verdict> {
    const kv = this.ctx.storage.kv;
    const current = rules.map((r) => kv.get<number[]>(r.key) ?? []);
    const answer = combine(rules.map((r, i) => verdict(current[i]!, now, r.policy)));
    if (!answer.allowed) return answer;
    let horizon = kv.get<number>(HORIZON) ?? 0;
    const before = horizon;
    rules.forEach((r, i) => {
      const events = count(current[i]!, now, r.policy);
      kv.put(r.key, events);
      horizon = Math.max(horizon, expiresAt(events, r.policy) ?? 0);
    });
    if (horizon > before) {
      kv.put(HORIZON, horizon);
      await this.ctx.storage.setAlarm(horizon * 1000);
    }
    return answer;
  }

  /** The attempt counted by `take(at, rules)` succeeded: see `release` in the rules. */
  release(at: number, rules: ThrottleRule[]): void {
    const kv = this.ctx.storage.kv;
    for (const r of rules) {
      const events = release(kv.get<number[]>(r.key) ?? [], at, r.policy);
      if (events.length === 0) kv.delete(r.key);
      else kv.put(r.key, events);
    }
  }

  /** Every counter has expired by the horizon. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
