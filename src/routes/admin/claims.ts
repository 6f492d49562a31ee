import { audit } from '../../observability/audit';
import { Hono, type Context } from 'hono';
import { catalog, forgetCatalog } from '../../claims/catalog';
import { parseClaimDefinition, parseScopeDefinition } from '../../claims/validate';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { discoveryEdgeKey, purgeEdge } from '../../http/cached_document';
import { CustomClaimRepository, type CustomClaim, type CustomScope } from '../../storage/custom_claims';
import { jsonBody, notFound } from './common';

/** Operator-defined claims (`/admin/claims`) and the scopes that release them (`/admin/scopes`). */
export const adminClaims = new Hono<AppEnv>();
export const adminScopes = new Hono<AppEnv>();

const claimJson = (c: CustomClaim) => ({ name: c.name, attribute: c.attribute, ...(c.description ? { description: c.description } : {}), created_at: c.createdAt });
const scopeJson = (s: CustomScope) => ({ name: s.name, ...(s.description ? { description: s.description } : {}), claims: s.claims, created_at: s.createdAt });
const conflict = (c: Context, what: string) => c.json({ error: 'conflict', error_description: what }, 409);

/** A change applies at once in this isolate, and discovery (scopes_supported, claims_supported) follows. */
async function changed(c: Context<AppEnv>): Promise<void> {
  forgetCatalog();
  await purgeEdge([discoveryEdgeKey(c.var.issuer)]);
}

adminClaims.get('/', async (c) => c.json({ claims: [...(await freshCatalog(c)).claims.values()].map(claimJson) }));

adminClaims.post('/', async (c) => {
  const claim = parseClaimDefinition(await jsonBody(c), now());
  if (!(await new CustomClaimRepository(c.env.DB).insertClaim(claim))) return conflict(c, `claim ${claim.name} already exists`);
  audit('claim.created', { subject: claim.name, details: { attribute: claim.attribute } });
  await changed(c);
  return c.json(claimJson(claim), 201);
});

/** The name is a query parameter: claim names are often URLs. */
adminClaims.delete('/', async (c) => {
  const name = c.req.query('name') ?? '';
  const using = [...(await freshCatalog(c)).scopes.values()].filter((s) => s.claims.some((sc) => sc.name === name)).map((s) => s.name);
  if (using.length > 0) return conflict(c, `claim ${name} is released by scope ${using.join(', ')}; delete the scope first`);
  if (!(await new CustomClaimRepository(c.env.DB).deleteClaim(name))) return notFound(c);
  audit('claim.deleted', { subject: name });
  await changed(c);
  return c.body(null, 204);
});

adminScopes.get('/', async (c) => c.json({ scopes: [...(await freshCatalog(c)).scopes.values()].map(scopeJson) }));

adminScopes.post('/', async (c) => {
  const claims = (await freshCatalog(c)).claims;
  const scope = parseScopeDefinition(await jsonBody(c), (name) => claims.has(name), now());
  if (!(await new CustomClaimRepository(c.env.DB).insertScope(scope))) return conflict(c, `scope ${scope.name} already exists`);
  audit('scope.created', { subject: scope.name, details: { claims: scope.claims.map((x) => x.name) } });
  await changed(c);
  return c.json(scopeJson(scope), 201);
});

adminScopes.delete('/:name', async (c) => {
  if (!(await new CustomClaimRepository(c.env.DB).deleteScope(c.req.param('name')))) return notFound(c);
  audit('scope.deleted', { subject: c.req.param('name') });
  await changed(c);
  return c.body(null, 204);
});

/** The admin API reads the definitions themselves, not a copy up to a minute old. */
function freshCatalog(c: Context<AppEnv>) {
  forgetCatalog();
  return catalog(c.env);
}
