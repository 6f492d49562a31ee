// Sign-in throttling (issue 9): one atomic check-and-count per attempt, a growing delay per
// (account, source IP), a per-IP budget across accounts, and never a lockout of the rightful user.
import { describe, expect, it } from 'vitest';
import { createClient, createUser } from '../helpers';
import { LocalBrowser, alertOf, authorizeQuery, openInteraction } from './local-helpers';

const sessionCookieSet = (res: Response) => res.headers.getSetCookie().some((c) => /op_session=[^;]+/.test(c) && !/Max-Age=0/i.test(c));

describe('sign-in throttling', () => {
  it('12 parallel wrong passwords on one interaction: at most 5 are evaluated, the rest are 429', async () => {
    const user = await createUser();
    const attacker = new LocalBrowser();
    const { path, csrf } = await openInteraction(attacker, authorizeQuery(await createClient()));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attacker.post(`${path}/login`, { csrf, username: user.username, password: `wrong-${i}-password` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
  });

  it('after 5 failures the attacker waits (429, Retry-After, "try again in N seconds"); the victim from another IP signs in at once', async () => {
    const user = await createUser();
    const client = await createClient();
    const attacker = new LocalBrowser();
    const a = await openInteraction(attacker, authorizeQuery(client));
    for (let i = 0; i < 5; i++) expect((await attacker.post(`${a.path}/login`, { csrf: a.csrf, username: user.username, password: `wrong-${i}-password` })).status).toBe(400);
    const sixth = await attacker.post(`${a.path}/login`, { csrf: a.csrf, username: user.username, password: user.password });
    expect(sixth.status).toBe(429);
    const retryAfter = sixth.headers.get('Retry-After');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(sessionCookieSet(sixth)).toBe(false);
    expect(sixth.headers.get('Location')).toBeNull();
    const alert = alertOf(await sixth.text());
    expect(alert).toMatch(/too many/i);
    expect(alert).toContain(`Try again in ${retryAfter} second(s)`);

    // The rightful user, from their own address, is not blocked by the attacker's failures.
    const victim = new LocalBrowser();
    const v = await openInteraction(victim, authorizeQuery(client));
    const ok = await victim.post(`${v.path}/login`, { csrf: v.csrf, username: user.username, password: user.password });
    expect(ok.status).toBe(303);
    expect(sessionCookieSet(ok)).toBe(true);
  });

  it('per IP across accounts (password spraying): after 30 failures on 30 accounts, the 31st account is 429', async () => {
    const sprayer = new LocalBrowser();
    const { path, csrf } = await openInteraction(sprayer, authorizeQuery(await createClient()));
    for (let i = 0; i < 30; i++) {
      const res = await sprayer.post(`${path}/login`, { csrf, username: `sprayed-${i}-${crypto.randomUUID()}`, password: 'Summer2026!' });
      expect(res.status).toBe(400);
    }
    const user = await createUser();
    const blocked = await sprayer.post(`${path}/login`, { csrf, username: user.username, password: 'Summer2026!' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('Retry-After'))).toBeLessThanOrEqual(15 * 60);
    // That user, from another address, signs in.
    const other = new LocalBrowser();
    const o = await openInteraction(other, authorizeQuery(await createClient()));
    expect((await other.post(`${o.path}/login`, { csrf: o.csrf, username: user.username, password: user.password })).status).toBe(303);
  }, 30_000);
});
