import type { Context } from 'hono';
import { ErrorPage } from '../../views/error';
import { renderPage } from '../../views/render';
import type { AppEnv } from '../../env';
import type { Params } from '../../http/params';
import { adminRoutes } from '../admin/index';
import type { ConsoleSection } from '../../views/console';

/** The console's routes run in the app's env; what the guard learnt is kept per request (below). */
export type ConsoleEnv = AppEnv;

/** What the guard (./index.tsx) established for this request: the admin, the session's CSRF token, the checked form. */
export interface ConsoleState {
  admin: { id: string; username: string };
  csrf: string;
  form?: Params;
}
const states = new WeakMap<Request, ConsoleState>();
export const setConsoleState = (c: Context<AppEnv>, s: ConsoleState): void => void states.set(c.req.raw, s);
export function consoleState(c: Context<AppEnv>): ConsoleState {
  const s = states.get(c.req.raw);
  if (!s) throw new Error('console route reached without its guard');
  return s;
}

export type ConsoleContext = Context<ConsoleEnv>;

export interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Calls the bearer-token admin API's own route in-process (src/routes/admin, without its bearer
 * check): the console has no write path of its own. The route's `audit()` records into this
 * request's audit trail, whose actor is the signed-in admin (`admin:<user id>`).
 */
export async function callAdmin(c: ConsoleContext, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<AdminAnswer> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  } else if (method === 'POST') init.headers = { 'Content-Length': '0' };
  let ctx: ExecutionContext | undefined;
  try {
    ctx = c.executionCtx as ExecutionContext;
  } catch {
    ctx = undefined;
  }
  // The issuer's origin, so the admin routes resolve the same issuer (keySetChanged, logout tokens).
  const res = await adminRoutes.fetch(new Request(`${new URL(c.get('issuer')).origin}${path}`, init), c.env, ctx);
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { error: 'server_error', error_description: 'the admin API answered something that is not JSON' };
  }
  return { status: res.status, body: parsed };
}

/** The admin API's error, as one line for the page. */
export const problem = (a: AdminAnswer): string => String(a.body.error_description ?? a.body.error ?? `the admin API answered ${a.status}`);

export const frame = (c: ConsoleContext, title: string, section: ConsoleSection, extra: { notice?: string; error?: string } = {}) => ({
  title,
  section,
  admin: { username: consoleState(c).admin.username },
  csrf: consoleState(c).csrf,
  ...extra,
});

export const formOf = (c: ConsoleContext): Params => consoleState(c).form ?? new Map();

/** One page of a list the admin API returns whole (`?page=N`, 50 rows). */
export function pageOf<T>(items: T[], rawPage: string | undefined, href: (page: number) => string): { rows: T[]; prev: string | null; next: string | null } {
  const size = 50;
  const page = /^\d{1,6}$/.test(rawPage ?? '') ? Math.max(1, Number(rawPage)) : 1;
  const rows = items.slice((page - 1) * size, page * size);
  return { rows, prev: page > 1 ? href(page - 1) : null, next: items.length > page * size ? href(page + 1) : null };
}

/** No such record: the console's 404 page (never the API's JSON). */
export const notFoundPage = (c: ConsoleContext, what = 'record') => renderPage(c, <ErrorPage title="Not found" detail={`No such ${what}. It may have been deleted.`} />, 404);
