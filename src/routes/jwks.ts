import { Hono, type Context } from 'hono';
import { resolveIssuer } from '../config';
import type { AppEnv } from '../env';
import { fromEdge, jwksEdgeKey, serveDocument, toEdge, waitUntil, type RenderedDocument } from '../http/cached_document';
import { methodNotAllowed } from '../http/json_error';
import { keySet, peekKeySet } from '../keys/keystore';

/** The jwks_uri (RFC 7517 §5): public signing keys only, served from memory. */
export const jwks = new Hono<AppEnv>();

export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';

/** The rendered JWKS when this isolate holds a fresh key set (no I/O), else undefined. */
export const warmJwks = (): RenderedDocument | undefined => peekKeySet()?.jwks;

/** GET /jwks, registered ahead of the app's middleware (see serveDocument). */
export async function getJwks(c: Context<AppEnv>): Promise<Response> {
  const warm = warmJwks();
  if (warm) return serveDocument(c, warm, JWKS_CONTENT_TYPE);
  const issuer = resolveIssuer(c.env, c.req.url);
  const edge = await fromEdge(jwksEdgeKey(issuer));
  if (edge) {
    waitUntil(c, keySet(c.env));
    return serveDocument(c, edge, JWKS_CONTENT_TYPE);
  }
  const set = await keySet(c.env);
  toEdge(c, jwksEdgeKey(issuer), set.jwks);
  return serveDocument(c, set.jwks, JWKS_CONTENT_TYPE);
}

jwks.all('/', (c) => methodNotAllowed(c, 'GET'));
