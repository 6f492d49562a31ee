import { Hono, type Context } from 'hono';
import { catalog, peekCatalog, type Catalog } from '../../claims/catalog';
import { customDiscovery } from '../../claims/discovery';
import { resolveIssuer } from '../../config';
import { sha256Base64url } from '../../crypto/hash';
import { providerMetadata } from './metadata';
import type { AppEnv, Bindings } from '../../env';
import { passkeysEnabled, signupEnabled } from '../../session/config';
import { settings } from '../../settings';
import { discoveryEdgeKey, fromEdge, serveDocument, toEdge, waitUntil, type RenderedDocument } from '../../http/cached_document';
import { methodNotAllowed } from '../../http/json_error';
import { keySet, peekKeySet, type LoadedKeySet } from '../../keys/keystore';
import { registrationDiscovery } from '../../registration/policy';

/** Discovery 1.0 §4 (and RFC 8414 §3): the provider metadata, rendered once per key set and issuer. */
export const discovery = new Hono<AppEnv>();

export const DISCOVERY_CONTENT_TYPE = 'application/json';
const CONTENT_TYPE = DISCOVERY_CONTENT_TYPE;
/** With ISSUER unset (development) the issuer follows the Host header, so the memo is bounded. */
const MAX_ISSUERS = 16;

/** Rendering needs a hash (async), so it happens once and is then read synchronously. */
async function render(set: LoadedKeySet, issuer: string, env: Bindings, custom: Catalog): Promise<RenderedDocument> {
  const metadata = providerMetadata(issuer, set.activeAlgs, { signupEnabled: signupEnabled(env), passkeysEnabled: passkeysEnabled(env), requirePar: settings(env).requirePar, requestObjectNone: settings(env).requestObjectNone });
  const body = JSON.stringify({ ...metadata, ...registrationDiscovery(issuer, env), ...customDiscovery(metadata, custom) });
  const doc = { body, etag: `"${(await sha256Base64url(body)).slice(0, 27)}"` };
  if (set.derived.size >= MAX_ISSUERS) set.derived.clear();
  set.derived.set(memoKey(issuer, custom), doc);
  return doc;
}

/** The memo follows the operator's scopes and claims too (their version is part of the key). */
const memoKey = (issuer: string, custom: Catalog) => `${issuer}#${custom.version}`;
const renderFresh = (c: Context<AppEnv>, issuer: string) => Promise.all([keySet(c.env), catalog(c.env)]).then(([set, custom]) => render(set, issuer, c.env, custom));

/** The rendered document for this issuer when this isolate holds it fresh (no I/O), else undefined. */
export function warmDiscovery(issuer: string): RenderedDocument | undefined {
  const custom = peekCatalog();
  return custom ? peekKeySet()?.derived.get(memoKey(issuer, custom)) : undefined;
}

/** GET of the discovery document, registered ahead of the app's middleware (see serveDocument). */
export async function getDiscovery(c: Context<AppEnv>): Promise<Response> {
  const issuer = resolveIssuer(c.env, c.req.url);
  const warm = warmDiscovery(issuer);
  if (warm) return serveDocument(c, warm, CONTENT_TYPE);
  const edge = await fromEdge(discoveryEdgeKey(issuer));
  if (edge) {
    waitUntil(c, renderFresh(c, issuer));
    return serveDocument(c, edge, CONTENT_TYPE);
  }
  const doc = await renderFresh(c, issuer);
  toEdge(c, discoveryEdgeKey(issuer), doc);
  return serveDocument(c, doc, CONTENT_TYPE);
}

discovery.all('/', (c) => methodNotAllowed(c, 'GET'));
