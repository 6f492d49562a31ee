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
    const line = {
      type: 'request',
      request_id: c.get('requestId'),
      method: c.req.method,
      route,
      status,
      duration_ms: Date.now() - started,
      ...(c.get('client') ? { client_id: c.get('client')!.id } : {}),
      ...(c.get('errorCode') ? { error: c.get('errorCode') } : status >= 500 ? { error: 'server_error' } : {}),
    };
    console.log(JSON.stringify(line));
    write(c.env.METRICS, 'request', [route, c.req.method, status, line.client_id], [1, line.duration_ms]);
  }
};

/** The one log line of a cron run. */
export function cronLog(env: Bindings, fields: Record<string, unknown>, started: number): void {
  const duration = Date.now() - started;
  console.log(JSON.stringify({ type: 'cron', duration_ms: duration, ...fields }));
  write(env.METRICS, 'request', ['cron', 'SCHEDULED', fields.ok === false ? 500 : 200, null], [1, duration]);
}
