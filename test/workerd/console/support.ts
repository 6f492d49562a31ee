// Shared by the console tests added after console.test.ts: an admin, their console session, audit rows.
import { expect } from 'vitest';
import { ADMIN, Browser, createUser, csrfOf, env, fetchOp } from '../helpers';

export const BASE = '/admin/console';
export const COOKIE = '__Host-op_console';

export async function makeAdmin(): Promise<{ id: string; username: string; password: string }> {
  const user = await createUser();
  const res = await fetchOp(`/admin/users/${user.id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ role: 'admin' }) });
  expect(res.status).toBe(200);
  return user;
}

export async function consoleFor(user: { username: string; password: string }): Promise<Browser> {
  const browser = new Browser();
  const page = await browser.get(`${BASE}/login`);
  const res = await browser.post(`${BASE}/login`, { csrf: csrfOf(await page.text()), username: user.username, password: user.password });
  expect(res.status, await res.clone().text()).toBe(303);
  expect(browser.hasCookie(COOKIE)).toBe(true);
  return browser;
}

/** A console page (200) and its session's CSRF token. */
export async function pageCsrf(browser: Browser, path: string): Promise<{ csrf: string; html: string }> {
  const res = await browser.get(path);
  const html = await res.text();
  expect(res.status, html.slice(0, 500)).toBe(200);
  return { csrf: csrfOf(html), html };
}

export interface AuditRow {
  type: string;
  actor: string;
  subject: string | null;
  details: string | null;
}

/** Audit rows by this actor (written after the response: polled briefly). */
export async function auditBy(actor: string, expected: number): Promise<AuditRow[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { results } = await env.DB.prepare('SELECT type, actor, subject, details FROM audit_events WHERE actor = ? ORDER BY id').bind(actor).all<AuditRow>();
    if (results.length >= expected || Date.now() > deadline) return results;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Removes the admin role from a signed-in admin: their next console request is 403. */
export async function demote(adminId: string): Promise<void> {
  const res = await fetchOp(`/admin/users/${adminId}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ role: null }) });
  expect(res.status).toBe(200);
}
