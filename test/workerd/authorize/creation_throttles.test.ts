// Throttles on what creates stored rows: sign-up (per IP, atomic) and the interactions that a
// session-less /authorize parks (per IP, 60 a minute).
import { describe, expect, it } from 'vitest';
import { createClient } from '../helpers';
import { LocalBrowser, alertOf, authorizeQuery, expectErrorPage, openInteraction } from './local-helpers';

describe('sign-up throttle', () => {
  it('15 parallel sign-ups from one IP: at most 10 get through, the others are 429 with Retry-After', async () => {
    const browser = new LocalBrowser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(await createClient(), { prompt: 'create' }));
    const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        browser.post(`${path}/signup`, {
          csrf,
          username: `race${tag}${i}`,
          email: `race${tag}${i}@example.test`,
          given_name: 'Race',
          family_name: 'Condition',
          password: 'a long racing passphrase',
          password_confirm: 'a long racing passphrase',
        }),
      ),
    );
    const throttled = results.filter((r) => r.status === 429);
    expect(results.length - throttled.length).toBeLessThanOrEqual(10);
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    for (const r of throttled) {
      expect(Number(r.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect(alertOf(await r.text())).toMatch(/Too many sign-up attempts/);
    }
  }, 30_000);
});

describe('interaction creation throttle', () => {
  it('61 parallel session-less GET /authorize from one IP: 60 park an interaction, one gets a 429 page with Retry-After', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    const query = authorizeQuery(client);
    const results = await Promise.all(Array.from({ length: 61 }, () => browser.get(`/authorize?${query}`)));
    const parked = results.filter((r) => r.status === 302 && r.headers.get('Location')?.startsWith('/interaction/'));
    const throttled = results.filter((r) => r.status === 429);
    expect(parked).toHaveLength(60);
    expect(throttled).toHaveLength(1);
    const res = throttled[0]!;
    const retryAfter = Number(res.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A clear page, no redirect, no interaction cookie.
    expect(res.headers.getSetCookie()).toEqual([]);
    const html = await expectErrorPage(res, 429);
    expect(html).toContain(`Try again in ${retryAfter} second(s)`);
    // Another address is not affected.
    await openInteraction(new LocalBrowser(), query);
  }, 60_000);

  it('the reservation made while a request is validated is given back when nothing is parked (an invalid request, a redirected error)', async () => {
    const client = await createClient();
    const browser = new LocalBrowser();
    // 70 requests that park nothing: an unknown client (error page), a bad scope (redirected error).
    const invalid = await Promise.all(
      Array.from({ length: 70 }, (_, i) => browser.get(`/authorize?${i % 2 ? authorizeQuery(client, { client_id: 'no-such-client' }) : authorizeQuery(client, { response_type: 'token id_token x' })}`)),
    );
    expect(invalid.every((r) => r.status !== 429)).toBe(true);
    expect(invalid.some((r) => r.status === 400)).toBe(true);
    // The returns run after the responses (waitUntil): the address still parks interactions.
    for (let i = 0; i < 20; i++) {
      const res = await browser.get(`/authorize?${authorizeQuery(client)}`);
      if (res.status === 302) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the reservations of requests that parked nothing were not given back');
  }, 60_000);
});
