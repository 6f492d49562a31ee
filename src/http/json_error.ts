import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../env';
import { OAuthError } from '../errors';

/** RFC 6749 §5.2: errors as JSON, never cached. */
export function jsonError(c: Context, err: OAuthError, headers: Record<string, string> = {}): Response {
  c.header('Cache-Control', 'no-store');
  (c as Context<AppEnv>).set('errorCode', err.error);
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json(err.toJSON(), err.status as ContentfulStatusCode);
}

export function methodNotAllowed(c: Context, allow: string): Response {
  return jsonError(c, new OAuthError('invalid_request', `method ${c.req.method} is not allowed here`, 405), { Allow: allow });
}
