import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { clientWriteCount, type Client } from '../storage/clients';

const CACHE_MS = 60_000;

/** The browser origins of a client's redirect URIs (a native app's custom scheme has none). */
export function redirectOrigins(redirectUris: readonly string[]): Set<string> {
  const origins = new Set<string>();
  for (const uri of redirectUris) {
    try {
      const origin = new URL(uri).origin;
      if (origin !== 'null') origins.add(origin);
    } catch {
      // Not a URL with an origin: no browser origin to allow.
    }
  }
  return origins;
}

/**
 * Origins of the redirect URIs of all public clients, for requests that name no authenticated client
 * (userinfo, whose bearer token names none here; a form that could not be read). Only positive answers are cached:
 * an origin not in the cached set is looked up again, so a client registered a second ago works at once.
 */
let cached: { origins: Set<string>; loadedAt: number; writes: number } | undefined;
async function isPublicClientOrigin(db: D1Database, origin: string): Promise<boolean> {
  // A client changed in this isolate (a removed redirect URI) voids the copy at once (issue 10).
  if (cached && Date.now() - cached.loadedAt < CACHE_MS && cached.writes === clientWriteCount() && cached.origins.has(origin)) return true;
  const writes = clientWriteCount();
  const { results } = await db.prepare("SELECT redirect_uris FROM clients WHERE token_endpoint_auth_method = 'none'").all<{ redirect_uris: string }>();
  const origins = new Set<string>();
  for (const row of results) for (const o of redirectOrigins(JSON.parse(row.redirect_uris) as string[])) origins.add(o);
  cached = { origins, loadedAt: Date.now(), writes };
  return origins.has(origin);
}

/** A response to a request from a client is readable by a browser only for a public client, from one of its own origins. */
const clientAllows = (client: Client, origin: string) => client.tokenEndpointAuthMethod === 'none' && redirectOrigins(client.redirectUris).has(origin);

/**
 * CORS for browser-based public clients (token, userinfo, revocation). A preflight is answered for
 * the request shape without any lookup (it only lets the browser send the request; the response is
 * what CORS protects). The real response carries Access-Control-Allow-Origin only when the client
 * the request names (c.var.client, set by the endpoint) is public and the origin is one of its
 * redirect URIs' origins; a confidential client's response never does. A request that names no
 * client is checked against the origins of all public clients.
 */
export const publicClientCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header('Origin');
  if (!origin) return next();
  if (c.req.method === 'OPTIONS') {
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
  const allowed = client ? clientAllows(client, origin) : await isPublicClientOrigin(c.env.DB, origin);
  if (allowed) {
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.set('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After, DPoP-Nonce');
  }
};
