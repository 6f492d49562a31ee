import type { Context } from 'hono';

/**
 * The caller's address, as Cloudflare's edge reports it (it overwrites any client-sent value);
 * every per-IP throttle keys on it. Without the header (never in production) all callers share one key.
 */
export const sourceIp = (c: Context): string => c.req.header('CF-Connecting-IP') ?? 'unknown';
