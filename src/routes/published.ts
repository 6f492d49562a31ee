import type { Bindings } from '../env';
import { documentResponse, type RenderedDocument } from '../http/cached_document';
import { logRequest } from '../observability/log';
import { resolveIssuer } from '../config';
import { DISCOVERY_CONTENT_TYPE, warmDiscovery } from './discovery/index';
import { JWKS_CONTENT_TYPE, warmJwks } from './jwks';

/**
 * The published documents (discovery, RFC 8414 metadata, JWKS) answered from this isolate's memory
 * ahead of the Hono app (issue 10: they must cost about what a constant response costs). Only a
 * GET of the exact path, with the document already rendered here; anything else (HEAD, a cold
 * isolate, a percent-encoded path, a setting problem) returns undefined and the app answers it,
 * through the same routes (src/app.ts), so the answer is the same either way. The response carries
 * the precomputed headers of serveDocument (security headers, CORS, ETag, 304 on If-None-Match),
 * and the request gets its one log line and metric, as from src/observability/log.ts's middleware.
 */
export function publishedFromMemory(request: Request, env: Bindings): Response | undefined {
  if (request.method !== 'GET') return undefined;
  const path = pathOf(request.url);
  let doc: RenderedDocument | undefined;
  let contentType: string;
  if (path === '/jwks') {
    doc = warmJwks();
    contentType = JWKS_CONTENT_TYPE;
  } else if (path === '/.well-known/openid-configuration' || path === '/.well-known/oauth-authorization-server') {
    let issuer: string;
    try {
      issuer = resolveIssuer(env, request.url);
    } catch {
      return undefined; // the app answers a configuration problem in its own words
    }
    doc = warmDiscovery(issuer);
    contentType = DISCOVERY_CONTENT_TYPE;
  } else {
    return undefined;
  }
  if (!doc) return undefined;
  const started = Date.now();
  const response = documentResponse(doc, contentType, request.headers.get('If-None-Match'));
  logRequest(env, {
    requestId: request.headers.get('cf-ray') ?? crypto.randomUUID(),
    method: 'GET',
    route: path, // these paths are their own route patterns (src/app.ts registers them as such)
    status: response.status,
    durationMs: Date.now() - started,
  });
  return response;
}

/** The path of a request URL, without query; undefined when it is percent-encoded (the router decodes those). */
function pathOf(url: string): string | undefined {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return undefined;
  let end = url.indexOf('?', start);
  if (end === -1) end = url.length;
  const hash = url.indexOf('#', start);
  if (hash !== -1 && hash < end) end = hash;
  const path = url.slice(start, end);
  return path.includes('%') ? undefined : path;
}
