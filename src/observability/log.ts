/**
 * Structured logs and metrics (issue 15). One JSON log line per request and per cron run, kept by
 * Workers Logs (`[observability]` in wrangler.toml); nothing in them is a token, code, password or
 * secret: the route PATTERN is logged, never the raw URL or query, and no body or header value
 * other than the client id. Metrics go to Workers Analytics Engine when the `METRICS` binding is
 * there (optional: without it nothing is written and everything else works).
 *
 * Data points (README "Metrics" has the SQL API queries): `index1` = the kind, and
 *   request: blob1 'request', blob2 route, blob3 method, blob4 status, blob5 client_id; double1 1, double2 ms
 *   signin:  blob1 'signin', blob2 method (password, …), blob3 outcome (success, failure, throttled)
 *   token:   blob1 'token', blob2 grant_type, blob3 client_id
 *   event:   blob1 'event', blob2 audit event type, blob3 outcome (throttle hits: outcome = throttled)
 */
import type { MiddlewareHandler } from 'hono';
import { tryGetContext } from 'hono/context-storage';
import type { AppEnv, Bindings } from '../env';

const MAX_LABEL = 96;
const label = (v: string | number | undefined | null) => String(v ?? '').slice(0, MAX_LABEL);

function write(dataset: AnalyticsEngineDataset | undefined, kind: string, labels: (string | number | undefined | null)[], doubles: number[] = [1]): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint({ indexes: [kind], blobs: [kind, ...labels.map(label)], doubles });
  } catch (err) {
    // A metrics failure never fails a request.
    console.log(JSON.stringify({ level: 'warn', message: 'metrics write failed', error: String(err) }));
  }
}

/** Counts one occurrence of `kind` with its labels, for the current request (no-op without METRICS). */
export function metric(kind: 'signin' | 'token' | 'event', ...labels: (string | undefined | null)[]): void {
  write(tryGetContext<AppEnv>()?.env.METRICS, kind, labels);
}

/** The fields of one request's log line. */
export interface RequestLine {
  requestId: string;
  method: string;
  /** The matched route pattern, or 'unmatched'. */
  route: string;
  status: number;
  durationMs: number;
  clientId?: string;
  error?: string;
}

/** Writes one request's log line and its metric (also used by the published documents' path ahead of the app, src/routes/published.ts). */
export function logRequest(env: Bindings, r: RequestLine): void {
  console.log(JSON.stringify({
    type: 'request',
    request_id: r.requestId,
    method: r.method,
    route: r.route,
    status: r.status,
    duration_ms: r.durationMs,
    ...(r.clientId ? { client_id: r.clientId } : {}),
    ...(r.error ? { error: r.error } : {}),
  }));
  write(env.METRICS, 'request', [r.route, r.method, r.status, r.clientId], [1, r.durationMs]);
}

/** The request id (cf-ray, else generated) and the log line of every request, with its metric. */
export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID());
  let failed: unknown;
  try {
    await next();
  } catch (err) {
    failed = err;
    throw err;
  } finally {
    const status = failed ? 500 : c.res.status;
    // The matched pattern (e.g. /admin/clients/:id), never the path itself: paths can carry ids
    // a log should not collect and queries can carry codes.
    const route = c.req.routePath && c.req.routePath !== '/*' && c.req.routePath !== '*' ? c.req.routePath : 'unmatched';
    logRequest(c.env, {
      requestId: c.get('requestId')!,
      method: c.req.method,
      route,
      status,
      durationMs: Date.now() - started,
      clientId: c.get('client')?.id,
      error: c.get('errorCode') || (status >= 500 ? 'server_error' : undefined),
    });
  }
};

/** The one log line of a cron run. */
export function cronLog(env: Bindings, fields: Record<string, unknown>, started: number): void {
  const duration = Date.now() - started;
  console.log(JSON.stringify({ type: 'cron', duration_ms: duration, ...fields }));
  write(env.METRICS, 'request', ['cron', 'SCHEDULED', fields.ok === false ? 500 : 200, null], [1, duration]);
}
