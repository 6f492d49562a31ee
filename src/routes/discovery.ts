import { Hono, type Context } from 'hono';
import { resolveIssuer } from '../config';
import { sha256Base64url } from '../crypto/hash';
import { providerMetadata } from '../discovery/metadata';
import type { AppEnv, Bindings } from '../env';
import { signupEnabled } from '../session/config';
import { fromEdge, serveDocument, toEdge, waitUntil, type RenderedDocument } from '../http/cached_document';
import { methodNotAllowed } from '../http/json_error';
import { keySet, peekKeySet, type LoadedKeySet } from '../keys/keystore';

/** Discovery 1.0 §4 (and RFC 8414 §3): the provider metadata, rendered once per key set and issuer. */
export const discovery = new Hono<AppEnv>();

export const discoveryEdgeKey = (issuer: string) => `${issuer}/.well-known/openid-configuration`;
const CONTENT_TYPE = 'application/json';
/** With ISSUER unset (development) the issuer follows the Host header, so the memo is bounded. */
const MAX_ISSUERS = 16;

/** Rendering needs a hash (async), so it happens once and is then read synchronously. */
async function render(set: LoadedKeySet, issuer: string, env: Bindings): Promise<RenderedDocument> {
  const body = JSON.stringify(providerMetadata(issuer, set.activeAlgs, { signupEnabled: signupEnabled(env) }));
  const doc = { body, etag: `"${(await sha256Base64url(body)).slice(0, 27)}"` };
  if (set.derived.size >= MAX_ISSUERS) set.derived.clear();
  set.derived.set(issuer, doc);
  return doc;
}

/** GET of the discovery document, registered ahead of the app's middleware (see serveDocument). */
export async function getDiscovery(c: Context<AppEnv>): Promise<Response> {
  const issuer = resolveIssuer(c.env, c.req.url);
  const warm = peekKeySet()?.derived.get(issuer);
  if (warm) return serveDocument(c, warm, CONTENT_TYPE);
  const edge = await fromEdge(discoveryEdgeKey(issuer));
  if (edge) {
    waitUntil(c, keySet(c.env).then((set) => render(set, issuer, c.env)));
    return serveDocument(c, edge, CONTENT_TYPE);
  }
  const doc = await render(await keySet(c.env), issuer, c.env);
  toEdge(c, discoveryEdgeKey(issuer), doc);
  return serveDocument(c, doc, CONTENT_TYPE);
}

discovery.all('/', (c) => methodNotAllowed(c, 'GET'));
