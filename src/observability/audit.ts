/**
 * The audit trail (issue 15): every admin change and security event, recorded once, append-only,
 * never with a secret. A route or rule records with ONE call, `audit(type, {...})`: the request's
 * time, actor, source IP and request id come from the request context (hono/context-storage), and
 * the request's events are written after the response in one batch (`executionCtx.waitUntil`), so
 * no success path waits for an extra D1 trip. Outside a request (the cron) `auditNow` writes at once.
 *
 * Event types (docs/admin-api.md "Audit trail"): admin changes `client.created|updated|deleted|
 * secret_rotated|claims_changed|registered`, `user.created|updated|deleted`, `claim.created|deleted`,
 * `scope.created|deleted`, `registration_token.issued`, `key.rotated|revoked`; security events
 * `admin.auth_failed`, `signin.failed`, `signin.throttled`, `client_auth.failed`,
 * `refresh_token.reuse`, `code.replay`; issue 13: `api.created|updated|deleted|secret_rotated`,
 * `access_token.revoked` (details: whether the grant was revoked with it, REVOKE_GRANT_ON_ACCESS_TOKEN).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { tryGetContext } from 'hono/context-storage';
import type { AppEnv, Bindings } from '../env';
import { metric } from './log';
import { AuditRepository, type AuditEvent } from '../storage/audit_events';

export type AuditOutcome = 'success' | 'failure' | 'throttled' | 'revoked';

export interface AuditFields {
  subject?: string | null;
  outcome?: AuditOutcome;
  details?: Record<string, unknown>;
  /** Overrides the request's actor (e.g. `client:ID` once a client is known). */
  actor?: string;
}

/** Names of details members that could carry a secret: never stored, whatever a caller passes. */
const SECRET_NAME = /secret|password|passwd|token|code|assertion|pepper|credential|cookie|authorization|private|verifier/i;
const MAX_DETAIL = 512;

export function redact(details: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!details) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    if (SECRET_NAME.test(k) || v === undefined) continue;
    if (typeof v === 'string') out[k] = v.slice(0, MAX_DETAIL);
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x) => typeof x === 'string' || typeof x === 'number').slice(0, 32);
  }
  return Object.keys(out).length ? out : null;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function eventOf(type: string, f: AuditFields, ctx: { actor: string; ip: string | null; requestId: string | null }): AuditEvent {
  return {
    at: nowSeconds(),
    type,
    actor: f.actor ?? ctx.actor,
    ip: ctx.ip,
    requestId: ctx.requestId,
    subject: f.subject ?? null,
    outcome: f.outcome ?? 'success',
    details: redact(f.details),
  };
}

/** Records one event of the current request (written after the response). */
export function audit(type: string, fields: AuditFields = {}): void {
  const c = tryGetContext<AppEnv>();
  const events = c?.get('auditEvents');
  if (!c || !events) {
    // Only reachable from code that runs outside a request: say so rather than lose it silently.
    console.log(JSON.stringify({ level: 'warn', message: 'audit event outside a request', type }));
    return;
  }
  metric('event', type, fields.outcome ?? 'success');
  events.push(eventOf(type, fields, { actor: c.get('actor') ?? 'anonymous', ip: c.req.header('CF-Connecting-IP') ?? null, requestId: c.get('requestId') ?? null }));
}

/** For the cron and other work outside a request: written at once, actor `system`. */
export async function auditNow(env: Bindings, type: string, fields: AuditFields = {}): Promise<void> {
  await new AuditRepository(env.DB).insertAll([eventOf(type, fields, { actor: 'system', ip: null, requestId: null })]);
}

/** A request id: Cloudflare's `cf-ray` when present, else a fresh one. */
export const requestIdOf = (c: Context): string => c.req.header('cf-ray') ?? crypto.randomUUID();

/**
 * Collects the request's audit events and writes them in one batch after the response. Mounted
 * once, before every route (src/app.ts), behind hono's contextStorage().
 */
export const auditTrail: MiddlewareHandler<AppEnv> = async (c, next) => {
  const events: AuditEvent[] = [];
  c.set('auditEvents', events);
  if (!c.get('requestId')) c.set('requestId', requestIdOf(c)); // set by requestLog, first
  await next();
  if (events.length === 0) return;
  const write = new AuditRepository(c.env.DB).insertAll(events).catch((err: unknown) => {
    console.log(JSON.stringify({ level: 'error', message: 'audit write failed', error: String(err), types: events.map((e) => e.type) }));
  });
  try {
    c.executionCtx.waitUntil(write);
  } catch {
    await write; // no execution context (app.request in tests)
  }
};
