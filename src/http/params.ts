import { InvalidRequest, InvalidTarget } from '../errors';
import { readRequestTextLimited } from './body';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_PARAM_LENGTH = 8 * 1024;

export type Params = Map<string, string>;

/**
 * Parses an application/x-www-form-urlencoded string strictly. Unlike URLSearchParams it refuses
 * malformed percent-encoding instead of replacing it, and refuses repeated parameters
 * (RFC 6749 §3.1 / §3.2: "Request and response parameters MUST NOT be included more than once").
 * Empty values are treated as omitted (RFC 6749 §3.1).
 */
export function parseFormEncoded(input: string): Params {
  const params: Params = new Map();
  if (input === '') return params;
  for (const pair of input.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    // RFC 8707 §2 allows several `resource` values; this OP takes one per request (invalid_target otherwise).
    if (params.has(name) && name === 'resource') throw new InvalidTarget('one resource per request is supported');
    if (params.has(name)) throw new InvalidRequest(`parameter ${truncate(name)} is included more than once`);
    if (value.length > MAX_PARAM_LENGTH) throw new InvalidRequest(`parameter ${truncate(name)} is too long`);
    if (value !== '') params.set(name, value);
  }
  return params;
}

/**
 * Every value of one parameter, for reading a request that failed strict parsing: values that do
 * not decode are left out, so the caller can tell an unambiguous parameter from a broken one.
 */
export function valuesOf(input: string, name: string): { values: string[]; broken: boolean } {
  const values: string[] = [];
  let broken = false;
  for (const pair of input.split('&')) {
    const eq = pair.indexOf('=');
    let key: string;
    try {
      key = decode(eq === -1 ? pair : pair.slice(0, eq));
    } catch {
      continue;
    }
    if (key !== name) continue;
    try {
      values.push(decode(eq === -1 ? '' : pair.slice(eq + 1)));
    } catch {
      broken = true;
    }
  }
  return { values, broken };
}

function decode(part: string): string {
  // Nothing to decode (the usual case for names and many values): decodeURIComponent would return it as is.
  if (part.indexOf('%') === -1 && part.indexOf('+') === -1) return part;
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new InvalidRequest('malformed percent-encoding in request parameters');
  }
}

const truncate = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}...` : s);

/** The raw query string of a URL (without `?` and fragment). */
export function rawQuery(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return '';
  const hash = url.indexOf('#', q);
  return url.slice(q + 1, hash === -1 ? undefined : hash);
}

/** Query parameters of a URL, parsed strictly. */
export const queryParams = (url: string): Params => parseFormEncoded(rawQuery(url));

/**
 * Body parameters of a POST. RFC 6749 requires application/x-www-form-urlencoded for the
 * authorization and token endpoints; other content types are refused rather than guessed.
 */
export async function formParams(request: Request): Promise<Params> {
  return parseFormEncoded(await readFormBody(request));
}

/** The body of a form POST as text, after the content-type, size and UTF-8 checks. */
export async function readFormBody(request: Request): Promise<string> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequest('content type must be application/x-www-form-urlencoded');
  }
  const contentLength = request.headers.get('content-length');
  if (Number(contentLength ?? '0') > MAX_BODY_BYTES) throw new InvalidRequest('request body is too large');
  const text = await readRequestTextLimited(request, MAX_BODY_BYTES, contentLength);
  if (text === 'too-large') throw new InvalidRequest('request body is too large');
  if (text === 'not-utf8') throw new InvalidRequest('request body is not valid UTF-8');
  return text;
}
