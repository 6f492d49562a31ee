import type { Bindings } from '../env';
import type { ScopeClaim } from '../storage/custom_claims';
import { UserRepository } from '../storage/users';
import { catalog, type Catalog } from './catalog';

/**
 * The operator-defined claims the granted scopes release for a user, from the user's attributes.
 * A scope claim with `values` is a role decision: only the listed values the user has are
 * released (and the claim is left out when there are none); several scopes releasing one claim
 * add up, and a scope releasing it unfiltered releases all of it. Composable: callers spread the
 * result over the standard claims.
 */
export function releasedCustomClaims(catalog: Catalog, attributes: Record<string, unknown>, scopes: Iterable<string>, clientClaims: ScopeClaim[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const whole = new Set<string>();
  // The client's own claims (released with every openid grant) come first, like one more granted scope.
  for (const claims of [clientClaims, ...[...scopes].map((s) => catalog.scopes.get(s)?.claims ?? [])]) {
    for (const sc of claims) {
      const def = catalog.claims.get(sc.name);
      if (!def || whole.has(sc.name)) continue;
      const value = attributes[def.attribute];
      if (value === undefined || value === null) continue;
      if (!sc.values) {
        out[sc.name] = value;
        whole.add(sc.name);
        continue;
      }
      const held = (Array.isArray(value) ? value : [value]).filter((v) => sc.values!.includes(String(v)));
      if (held.length === 0) continue;
      const before = Array.isArray(out[sc.name]) ? (out[sc.name] as unknown[]) : [];
      out[sc.name] = [...new Set([...before, ...held])];
    }
  }
  return out;
}

/** Whether any of the scopes is an operator-defined one (only then is there anything to look up). */
export const hasCustomScope = (catalog: Catalog, scopes: Iterable<string>): boolean => [...scopes].some((s) => catalog.scopes.has(s));

/** The custom claims for a user's tokens: nothing to read unless a granted scope is the operator's. */
export async function customClaimsForUser(env: Bindings, userId: string, scopes: string[], clientClaims: ScopeClaim[] = []): Promise<Record<string, unknown>> {
  const custom = await catalog(env);
  if (!hasCustomScope(custom, scopes) && !(clientClaims.length > 0 && scopes.includes('openid'))) return {};
  const user = await new UserRepository(env.DB).find(userId);
  return user ? releasedCustomClaims(custom, user.attributes ?? {}, scopes, scopes.includes('openid') ? clientClaims : []) : {};
}
