import { InvalidRequestUri } from '../errors';
import { readTextLimited } from '../http/body';
import { guardedFetch, OutboundError } from '../http/outbound';
import { isDevelopmentIssuer } from '../http/outbound_address';
import type { Client } from '../storage/clients';

/** How long the fetch may take, and how large a request object may be. */
const FETCH_TIMEOUT_MS = 5000;
const MAX_REQUEST_OBJECT_BYTES = 32 * 1024;
/** RFC 9101 §5.2 / §10.2: the media types of a request object; `application/jwt` is still common. */
const REQUEST_OBJECT_TYPES = ['application/oauth-authz-req+jwt', 'application/jwt'];
/** The longest time a fetched request object is reused in this isolate, whatever its headers say. */
const MAX_CACHE_SECONDS = 300;
const CACHE_MAX_ENTRIES = 200;

/** Fetched request objects in this isolate's memory, per client and URI, as long as their Cache-Control allows. */
const cache = new Map<string, { jwt: string; until: number }>();

/** Drops the isolate's fetched request objects (tests). */
export const forgetFetchedRequestObjects = (): void => cache.clear();

/**
 * Cache-Control of the response (RFC 9111 §5.2.2): `max-age` (at most MAX_CACHE_SECONDS) unless
 * `no-store`, `no-cache` or `private` is present; no header, no caching.
 */
export function cacheSeconds(cacheControl: string | null): number {
  if (!cacheControl) return 0;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache' || d.startsWith('no-cache='))) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  const seconds = maxAge ? Number(maxAge.slice('max-age='.length)) : NaN;
  return Number.isInteger(seconds) && seconds > 0 ? Math.min(seconds, MAX_CACHE_SECONDS) : 0;
}

/**
 * OIDC Core §6.2 / RFC 9101 §5.2 and §6.2: the request object behind a request_uri outside PAR.
 * Only a URI the client pre-registered in request_uris (Registration 1.0 §2; discovery says
 * require_request_uri_registration), https (http on loopback only for a development OP), fetched
 * with the SSRF guards of every server-side fetch (public addresses only, no redirects followed,
 * a timeout, a size limit), answered 200 with a request object media type. Every failure is
 * invalid_request_uri (RFC 9101 §7), in our words: the upstream's status or body is never echoed.
 * The object returned is then verified as one passed by value.
 */
export async function fetchRequestObject(uri: string, client: Pick<Client, 'id' | 'requestUris'>, issuer: string, nowMs = Date.now()): Promise<string> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidRequestUri('request_uri is not an absolute URI');
  }
  if (url.protocol !== 'https:' && !isDevelopmentIssuer(issuer)) throw new InvalidRequestUri('request_uri must use https');
  if (!client.requestUris.includes(uri)) throw new InvalidRequestUri('request_uri is not one this client registered (request_uris)');

  const key = `${client.id} ${uri}`;
  const cached = cache.get(key);
  if (cached && cached.until > nowMs) return cached.jwt;
  cache.delete(key);

  let res: Response;
  try {
    res = await guardedFetch(uri, { headers: { Accept: REQUEST_OBJECT_TYPES.join(', ') } }, { issuer, timeoutMs: FETCH_TIMEOUT_MS, what: `request_uri of client ${client.id}` });
  } catch (err) {
    if (err instanceof OutboundError) throw new InvalidRequestUri(`the request_uri ${err.message}`);
    throw err;
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    console.warn(`request_uri of client ${client.id} answered HTTP ${res.status}`);
    throw new InvalidRequestUri('the request_uri did not return a request object');
  }
  const type = (res.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!REQUEST_OBJECT_TYPES.includes(type)) {
    await res.body?.cancel();
    throw new InvalidRequestUri(`the request_uri must answer with ${REQUEST_OBJECT_TYPES.join(' or ')}`);
  }
  if (Number(res.headers.get('Content-Length') ?? '0') > MAX_REQUEST_OBJECT_BYTES) {
    await res.body?.cancel();
    throw new InvalidRequestUri('the request object at the request_uri is too large');
  }
  const text = await readTextLimited(res.body, MAX_REQUEST_OBJECT_BYTES);
  if (text === 'too-large') throw new InvalidRequestUri('the request object at the request_uri is too large');
  const jwt = text === 'not-utf8' ? '' : text.trim();
  if (!/^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(jwt)) throw new InvalidRequestUri('the request_uri did not return a JWT');
  const seconds = cacheSeconds(res.headers.get('Cache-Control'));
  if (seconds > 0) {
    if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { jwt, until: nowMs + seconds * 1000 });
  }
  return jwt;
}
