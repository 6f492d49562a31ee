import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

const CACHE_MS = 60_000;
let cached: { origins: Set<string>; loadedAt: number } | undefined;

/** Origins of the redirect URIs of public clients: the only browsers that may call our APIs directly. */
async function publicClientOrigins(db: D1Database): Promise<Set<string>> {
  if (cached && Date.now() - cached.loadedAt < CACHE_MS) return cached.origins;
  const { results } = await db.prepare("SELECT redirect_uris FROM clients WHERE token_endpoint_auth_method = 'none'").all<{ redirect_uris: string }>();
  const origins = new Set<string>();
  for (const row of results) {
    for (const uri of JSON.parse(row.redirect_uris) as string[]) {
      try {
        const origin = new URL(uri).origin;
        if (origin !== 'null') origins.add(origin);
      } catch {
        // Not a URL with an origin (e.g. a custom scheme of a native app): no browser origin to allow.
      }
    }
  }
  cached = { origins, loadedAt: Date.now() };
  return origins;
}

/**
 * CORS for browser-based public clients (token, userinfo, revocation). Only origins of public
 * clients' redirect URIs are allowed, and a response to a confidential client never carries CORS
 * headers: its secret has no business in a browser.
 */
export const publicClientCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header('Origin');
  if (!origin) return next();
  const allowed = (await publicClientOrigins(c.env.DB)).has(origin);
  if (c.req.method === 'OPTIONS') {
    if (!allowed) return c.body(null, 204, { Vary: 'Origin' });
    return c.body(null, 204, {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, DPoP',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
  }
  await next();
  c.res.headers.append('Vary', 'Origin');
  const client = c.var.client;
  if (allowed && (!client || client.tokenEndpointAuthMethod === 'none')) {
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.set('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After');
  }
};
