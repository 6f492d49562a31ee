import { InvalidClientMetadata } from '../errors';
import { readTextLimited } from '../http/body';
import { guardedFetch, OutboundError } from '../http/outbound';

const FETCH_TIMEOUT_MS = 5000;
const MAX_DOCUMENT_BYTES = 64 * 1024;

/** OIDC Core §8.1: a sector is a host; custom-scheme URIs (native apps) have none, so their scheme stands in. */
const sectorOfUri = (uri: string) => {
  const url = new URL(uri);
  return url.host || url.protocol;
};

/**
 * Registration 1.0 §5: the sector_identifier_uri document is a JSON array of redirect URIs,
 * fetched over https from a public address (src/http/outbound.ts) with a timeout and a size limit.
 * Any failure is invalid_client_metadata.
 */
async function fetchSectorDocument(uri: string, issuer: string): Promise<string[]> {
  let res: Response;
  try {
    res = await guardedFetch(uri, { headers: { Accept: 'application/json' } }, { issuer, timeoutMs: FETCH_TIMEOUT_MS, what: 'sector_identifier_uri' });
  } catch (err) {
    if (err instanceof OutboundError) throw new InvalidClientMetadata(`the sector_identifier_uri ${err.message}`);
    throw err;
  }
  if (res.status !== 200) {
    // The upstream's status and body are logged, never echoed.
    await res.body?.cancel();
    console.warn(`sector_identifier_uri answered HTTP ${res.status}`);
    throw new InvalidClientMetadata('the sector_identifier_uri did not return its document');
  }
  if (Number(res.headers.get('content-length') ?? '0') > MAX_DOCUMENT_BYTES) throw new InvalidClientMetadata('the sector_identifier_uri document is too large');
  const text = await readTextLimited(res.body, MAX_DOCUMENT_BYTES);
  if (text === 'too-large') throw new InvalidClientMetadata('the sector_identifier_uri document is too large');
  try {
    const list = JSON.parse(text === 'not-utf8' ? '' : text) as unknown;
    if (!Array.isArray(list) || list.some((u) => typeof u !== 'string')) throw new Error('not a list');
    return list as string[];
  } catch {
    throw new InvalidClientMetadata('the sector_identifier_uri did not return a JSON array of URIs');
  }
}

/**
 * The sector identifier of a registration (OIDC Core §8.1): the host of the sector_identifier_uri,
 * whose document must list every redirect_uri (Registration 1.0 §2); without one, the host of the
 * redirect URIs, which must then all share it. Null for public clients without a sector_identifier_uri.
 */
export async function resolveSector(subjectType: unknown, sectorUri: unknown, redirectUris: string[], issuer: string): Promise<string | null> {
  if (typeof sectorUri === 'string') {
    const listed = await fetchSectorDocument(sectorUri, issuer);
    const missing = redirectUris.find((u) => !listed.includes(u));
    if (missing) throw new InvalidClientMetadata(`redirect_uri ${missing} is not listed in the sector_identifier_uri document`);
    return subjectType === 'pairwise' ? sectorOfUri(sectorUri) : null;
  }
  if (subjectType !== 'pairwise') return null;
  const hosts = new Set(redirectUris.map(sectorOfUri));
  if (hosts.size !== 1) throw new InvalidClientMetadata('pairwise subjects need redirect URIs on one host, or a sector_identifier_uri (OIDC Core §8.1)');
  return [...hosts][0]!;
}
