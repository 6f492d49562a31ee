import { dummyPasswordHash, hashPassword, needsRehash, passwordPepper, verifyPassword } from '../crypto/password';
import type { ThrottleRule } from '../durable/login_throttle';
import type { Bindings } from '../env';
import { UserRepository, type User } from '../storage/users';
import { LOGIN_ACCOUNT_IP, LOGIN_IP } from '../throttle/limits';
import { throttleFor } from '../throttle/store';
import { audit } from '../observability/audit';
import { metric } from '../observability/log';

export type LoginResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfter: number };

export interface LoginContext {
  env: Bindings;
  /** The source IP (CF-Connecting-IP). */
  ip: string;
  now: number;
  /** Runs work after the response (ExecutionContext.waitUntil). */
  defer: (work: Promise<unknown>) => void;
}

/** The counters of one sign-in attempt, in the source IP's throttle: (account, IP) and the IP's own budget. */
const rulesFor = (login: string): ThrottleRule[] => [
  { key: `account:${login.trim().toLowerCase().slice(0, 256)}`, policy: LOGIN_ACCOUNT_IP },
  { key: 'ip', policy: LOGIN_IP },
];

/**
 * Checks a username-or-email and password. Before the password is verified, the attempt is
 * reserved in the source IP's throttle in one atomic step (check and count), so parallel guesses
 * cannot all be evaluated: per (account typed, IP) a growing delay after a few failures, and per
 * IP a budget across accounts (password spraying). Nothing is counted per account alone, so an
 * attacker's failures never block the rightful user from another address. A success gives the
 * reservation back after the response. Unknown accounts are throttled exactly like real ones.
 */
export async function passwordLogin(ctx: LoginContext, login: string, password: string): Promise<LoginResult> {
  const throttle = throttleFor(ctx.env, `login:${ctx.ip}`);
  const rules = rulesFor(login);
  const users = new UserRepository(ctx.env.DB);
  const [reserved, user] = await Promise.all([throttle.take(ctx.now, rules), users.findByLogin(login.trim())]);
  if (!reserved.allowed) {
    metric('signin', 'password', 'throttled');
    audit('signin.throttled', { subject: user?.id ?? null, outcome: 'throttled', details: { method: 'password', retry_after: reserved.retryAfter } });
    return { ok: false, reason: 'throttled', retryAfter: reserved.retryAfter };
  }

  const pepper = passwordPepper(ctx.env);
  // Verify against a dummy hash for unknown users so both cases cost the same time.
  // A passkey-only account (password_hash '') costs the same too, and never matches.
  const valid = await verifyPassword(password, user?.passwordHash || (await dummyPasswordHash(pepper)), pepper);
  // A disabled account (issue 15) fails like a wrong password: nothing tells the two apart.
  if (user && user.passwordHash !== '' && valid && !user.disabledAt) {
    // A hash from before PASSWORD_PEPPER was set is upgraded now that the password is known.
    if (await needsRehash(user.passwordHash, pepper)) await users.upgradePasswordHash(user.id, user.passwordHash, await hashPassword(password, pepper));
    ctx.defer(throttle.release(ctx.now, rules));
    metric('signin', 'password', 'success');
    return { ok: true, user };
  }
  metric('signin', 'password', 'failure');
  audit('signin.failed', { subject: user?.id ?? null, outcome: 'failure', details: { method: 'password', known_account: user !== null } });
  return { ok: false, reason: 'invalid' };
}
