import { InvalidClientMetadata, InvalidRedirectUri } from '../errors';

export type ApplicationType = 'web' | 'native';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
/** Schemes that run code or read local files in a browser: never a redirect target. */
const FORBIDDEN_SCHEMES = ['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:'];
const MAX_URI_LENGTH = 2000;

function parse(uri: unknown, what: string, Err: typeof InvalidClientMetadata): URL {
  if (typeof uri !== 'string' || uri === '' || uri.length > MAX_URI_LENGTH) throw new Err(`${what} must be a non-empty string of at most ${MAX_URI_LENGTH} characters`);
  try {
    return new URL(uri);
  } catch {
    throw new Err(`${what} ${uri} is not an absolute URI`);
  }
}

export const isLoopback = (url: URL) => LOOPBACK_HOSTS.includes(url.hostname);

/**
 * A redirect URI a client registers. RFC 6749 §3.1.2: absolute, no fragment. OpenID Dynamic
 * Client Registration 1.0 §2 (application_type): web clients use https (http on a loopback host
 * only while this OP itself runs on http, as in local development); native clients use a custom
 * scheme (RFC 8252 §7.1), a claimed https URI (§7.2) or http on a loopback host with any port (§7.3).
 */
export function checkRegisteredRedirectUri(uri: unknown, type: ApplicationType, insecureIssuer: boolean, what = 'redirect_uri', Err: typeof InvalidClientMetadata = InvalidRedirectUri): string {
  const url = parse(uri, what, Err);
  const text = uri as string;
  if (text.includes('#')) throw new Err(`${what} ${text} must not contain a fragment (RFC 6749 §3.1.2)`);
  if (FORBIDDEN_SCHEMES.includes(url.protocol)) throw new Err(`${what} ${text} uses the forbidden scheme ${url.protocol}`);
  if (type === 'web') {
    if (url.protocol === 'https:') return text;
    if (url.protocol === 'http:' && isLoopback(url) && insecureIssuer) return text;
    throw new Err(`${what} ${text}: a web client must use https${insecureIssuer ? ' or http on a loopback host' : ''} (OpenID Dynamic Client Registration 1.0 §2)`);
  }
  if (url.protocol === 'http:' && !isLoopback(url)) throw new Err(`${what} ${text}: a native client may use http only on a loopback host (RFC 8252 §7.3)`);
  return text;
}

/** An informational URL (logo_uri, client_uri, policy_uri, tos_uri): absolute http or https. */
export function checkWebUrl(value: unknown, what: string): string {
  const url = parse(value, what, InvalidClientMetadata);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidClientMetadata(`${what} must be an http or https URL`);
  return value as string;
}

/**
 * A URL the OP fetches or sends users to on the client's behalf (jwks_uri, sector_identifier_uri,
 * initiate_login_uri, logout URIs): https, or http on a loopback host while the OP itself runs on
 * http. `httpsOnly` drops that exception where a specification requires https.
 */
export function checkSecureUrl(value: unknown, what: string, insecureIssuer: boolean, httpsOnly = false): string {
  const url = parse(value, what, InvalidClientMetadata);
  if ((value as string).includes('#')) throw new InvalidClientMetadata(`${what} must not contain a fragment`);
  if (url.protocol === 'https:') return value as string;
  if (!httpsOnly && url.protocol === 'http:' && isLoopback(url) && insecureIssuer) return value as string;
  throw new InvalidClientMetadata(`${what} must use https`);
}
