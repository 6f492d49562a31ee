import { dummyPasswordHash, hashPassword, needsRehash, passwordPepper, verifyPassword } from '../crypto/password';
import type { ThrottlePolicy } from '../durable/login_throttle';
import type { Bindings } from '../env';
import { UserRepository, type User } from '../storage/users';

export const ACCOUNT_POLICY: ThrottlePolicy = { maxFailures: 5, windowSeconds: 15 * 60 };
export const IP_POLICY: ThrottlePolicy = { maxFailures: 30, windowSeconds: 15 * 60 };

export type LoginResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfter: number };

/**
 * Checks a username-or-email and password. Failures are counted per account name and per client
 * IP in Durable Objects; the account counter is keyed by what was typed, so unknown accounts are
 * throttled exactly like real ones and the answer never reveals which exist.
 */
export async function passwordLogin(env: Bindings, login: string, password: string, ip: string, now: number): Promise<LoginResult> {
  const account = env.THROTTLE.get(env.THROTTLE.idFromName(`account:${login.trim().toLowerCase()}`));
  const client = env.THROTTLE.get(env.THROTTLE.idFromName(`ip:${ip}`));
  const [a, i] = await Promise.all([account.check(now, ACCOUNT_POLICY), client.check(now, IP_POLICY)]);
  if (!a.allowed || !i.allowed) return { ok: false, reason: 'throttled', retryAfter: Math.max(a.retryAfter, i.retryAfter) };

  const users = new UserRepository(env.DB);
  const user = await users.findByLogin(login.trim());
  const pepper = passwordPepper(env);
  // Verify against a dummy hash for unknown users so both cases cost the same time.
  const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash(pepper)), pepper);
  if (user && valid) {
    // A hash from before PASSWORD_PEPPER was set is upgraded now that the password is known.
    if (await needsRehash(user.passwordHash, pepper)) await users.upgradePasswordHash(user.id, user.passwordHash, await hashPassword(password, pepper));
    await account.reset();
    return { ok: true, user };
  }
  await Promise.all([account.recordFailure(now, ACCOUNT_POLICY), client.recordFailure(now, IP_POLICY)]);
  return { ok: false, reason: 'invalid' };
}
