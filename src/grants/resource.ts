import { STANDARD_SCOPES } from '../config';
import type { Bindings } from '../env';
import { InvalidTarget } from '../errors';
import { ApiRepository, type Api, type ApiTable } from '../storage/apis';

/**
 * Resource indicators (RFC 8707) and APIs (issue 13): which API an access token is for, and with
 * which scopes. The rules are pure (`selectApi`); `apiFor` reads the API table from this isolate's
 * cache, and only when the request could concern an API (a `resource`, or a scope that is not a
 * standard OpenID one), so the usual requests pay no storage trip for it.
 */

/** RFC 8707 §2: an absolute URI (RFC 3986 §4.3) without a fragment component. */
export function parseResource(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidTarget('resource must be an absolute URI (RFC 8707 §2)');
  }
  if (value.includes('#') || url.hash) throw new InvalidTarget('resource must not include a fragment (RFC 8707 §2)');
  return value;
}

export interface Selected {
  /** The API the access token is for; null: no API (the token keeps today's audience). */
  api: Api | null;
  /** The access token's scopes: with an API only that API's, else all of them. */
  scopes: string[];
}

/**
 * With `resource`: the registered API of that identifier (unknown: invalid_target), and the scopes
 * it defines among those granted, at least one of them (a client granted none of an API's scopes
 * gets no token for it). Without: the scopes unchanged, unless they belong to more than one API,
 * which only a `resource` can disambiguate (invalid_target).
 */
export function selectApi(table: ApiTable, resource: string | undefined, scopes: string[]): Selected {
  if (resource !== undefined) {
    const api = table.byIdentifier.get(resource);
    if (!api) throw new InvalidTarget('resource is not a registered API');
    const own = scopes.filter((s) => api.scopes.includes(s));
    if (own.length === 0) throw new InvalidTarget(`none of the scopes of ${resource} is granted (or allowed) to this client`);
    return { api, scopes: own };
  }
  const apis = new Set(scopes.map((s) => table.byScope.get(s)?.identifier).filter((x) => x !== undefined));
  if (apis.size > 1) throw new InvalidTarget(`the scopes belong to several APIs (${[...apis].join(', ')}): name one with resource (RFC 8707)`);
  return { api: null, scopes };
}

const STANDARD = new Set<string>([...STANDARD_SCOPES, 'offline_access']);

/** Whether the request needs the API table at all. */
export const mayConcernApi = (resource: string | undefined, scopes: string[]): boolean => resource !== undefined || scopes.some((s) => !STANDARD.has(s));

/** Starts loading the API table into this isolate's cache, unless it is there (failures are left to the later read). */
export function warmApiTable(env: Bindings): void {
  void new ApiRepository(env.DB).cached().catch(() => undefined);
}

/** `selectApi` over the cached table, read only when the request may concern an API. */
export async function apiFor(env: Bindings, resource: string | undefined, scopes: string[]): Promise<Selected> {
  if (!mayConcernApi(resource, scopes)) return { api: null, scopes };
  return selectApi(await new ApiRepository(env.DB).cached(), resource, scopes);
}
