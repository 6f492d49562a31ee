import type { Catalog } from './catalog';

/** Discovery 1.0 §3: scopes_supported and claims_supported, with the operator's own appended. */
export function customDiscovery(base: { scopes_supported: readonly string[]; claims_supported: readonly string[] }, catalog: Catalog) {
  return {
    scopes_supported: [...base.scopes_supported, ...catalog.scopes.keys()],
    claims_supported: [...base.claims_supported, ...catalog.claims.keys()],
  };
}
