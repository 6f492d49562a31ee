import type { Context } from 'hono';
import { JWKS_MAX_AGE, JWKS_STALE_WHILE_REVALIDATE } from '../keys/policy_config';
import { KEYSET_CACHE_SECONDS } from '../keys/keystore';
import { SECURITY_HEADERS } from './security';

/** The edge-cache keys of the two published documents (the routes fill them, the cron purges them). */
export const discoveryEdgeKey = (issuer: string) => `${issuer}/.well-known/openid-configuration`;
export const jwksEdgeKey = (issuer: string) => `${issuer}/jwks`;

export interface RenderedDocument {
  body: string;
  /** A strong validator: the quoted base64url SHA-256 of the body. */
  etag: string;
  /** Every response header, built on first use and reused for each response. */
  headers?: Record<string, string>;
  /** The same without Content-Type, for 304 answers. */
  notModifiedHeaders?: Record<string, string>;
}

const CACHE_CONTROL = `public, max-age=${JWKS_MAX_AGE}, stale-while-revalidate=${JWKS_STALE_WHILE_REVALIDATE}`;

/** RFC 9110 §13.1.2: If-None-Match is a list of entity tags, or `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/**
 * Serves a public, precomputed JSON document (discovery, JWKS): cacheable by relying parties and
 * edges for less than the key pre-publication window, with a strong ETag, 304 on If-None-Match,
 * and CORS for browser-based relying parties. These routes run before the app's middleware, so
 * the response carries the security headers itself; nothing is computed per request.
 */
export function serveDocument(c: Context, doc: RenderedDocument, contentType: string): Response {
  return documentResponse(doc, contentType, c.req.header('If-None-Match'));
}

/** serveDocument without a Hono context (the published documents' path ahead of the app, src/routes/published.ts). */
export function documentResponse(doc: RenderedDocument, contentType: string, ifNoneMatch: string | undefined | null): Response {
  doc.headers ??= {
    ...SECURITY_HEADERS,
    'Cache-Control': CACHE_CONTROL,
    ETag: doc.etag,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'ETag',
    'Content-Type': contentType,
  };
  if (matches(ifNoneMatch ?? undefined, doc.etag)) {
    doc.notModifiedHeaders ??= (({ 'Content-Type': _, ...rest }) => rest)(doc.headers);
    return new Response(null, { status: 304, headers: doc.notModifiedHeaders });
  }
  return new Response(doc.body, { status: 200, headers: doc.headers });
}

/**
 * A colo-wide copy of rendered documents in the Cache API, so a cold isolate serves them without
 * a KV read. Entries live KEYSET_CACHE_SECONDS, as long as an isolate's own copy, and a change of
 * the key set deletes them in the colo that made it; other colos pick the change up within that time.
 */
const edgeKey = (url: string) => new Request(url, { method: 'GET' });

export async function fromEdge(url: string): Promise<RenderedDocument | undefined> {
  try {
    const hit = await caches.default.match(edgeKey(url));
    if (!hit) return undefined;
    return { body: await hit.text(), etag: hit.headers.get('ETag') ?? '' };
  } catch {
    return undefined;
  }
}

export function toEdge(c: Context, url: string, doc: RenderedDocument): void {
  const put = caches.default
    .put(edgeKey(url), new Response(doc.body, { headers: { ETag: doc.etag, 'Cache-Control': `public, max-age=${KEYSET_CACHE_SECONDS}` } }))
    .catch(() => undefined);
  waitUntil(c, put);
}

export async function purgeEdge(urls: string[]): Promise<void> {
  await Promise.all(urls.map((u) => caches.default.delete(edgeKey(u)).catch(() => false)));
}

export function waitUntil(c: Context, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No execution context (called outside a request): let the promise run on its own.
  }
}
