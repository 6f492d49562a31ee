import { sha256Base64url } from '../crypto/hash';
import type { Bindings } from '../env';
import { isolateCache } from '../isolate_cache';
import { CustomClaimRepository, type CustomClaim, type CustomScope } from '../storage/custom_claims';

/**
 * The operator's claims and scopes as every isolate sees them: read from D1 at most once a
 * minute (like the signing keys), so tokens, userinfo and discovery cost no extra query. A change
 * made through the admin API applies at once in the isolate that made it and within
 * CATALOG_CACHE_SECONDS everywhere else.
 */
export const CATALOG_CACHE_SECONDS = 60;

export interface Catalog {
  /** Changes whenever the definitions change: part of the discovery memo's key. */
  version: string;
  claims: Map<string, CustomClaim>;
  scopes: Map<string, CustomScope>;
}

const cache = isolateCache<Catalog>(CATALOG_CACHE_SECONDS);

export function catalog(env: Bindings, nowMs = Date.now()): Promise<Catalog> {
  return cache.get(() => load(env), nowMs);
}

/** The fresh catalog of this isolate without waiting, if it has one (the hot path of discovery). */
export const peekCatalog = (nowMs = Date.now()): Catalog | undefined => cache.peek(nowMs);

/** Drops this isolate's copy after a change made here. */
export const forgetCatalog = (): void => cache.forget();

async function load(env: Bindings): Promise<Catalog> {
  const { claims, scopes } = await new CustomClaimRepository(env.DB).all();
  const version = (await sha256Base64url(JSON.stringify([claims.map((c) => [c.name, c.attribute, c.description]), scopes.map((s) => [s.name, s.description, s.claims])]))).slice(0, 16);
  return { version, claims: new Map(claims.map((c) => [c.name, c])), scopes: new Map(scopes.map((s) => [s.name, s])) };
}
