import { audit } from '../../observability/audit';
import { Hono } from 'hono';
import { catalog, forgetCatalog } from '../../claims/catalog';
import { parseScopeClaims } from '../../claims/validate';
import type { AppEnv } from '../../env';
import { InvalidRequest } from '../../errors';
import { ClientRepository } from '../../storage/clients';
import { jsonBody, notFound } from './common';

/**
 * Per-client custom claims: operator-defined claims released to one client with every openid
 * grant, without a scope (e.g. the department for the HR app only).
 */
export const adminClientClaims = new Hono<AppEnv>();

adminClientClaims.get('/:id/claims', async (c) => {
  const client = await new ClientRepository(c.env.DB).find(c.req.param('id'));
  return client ? c.json({ client_id: client.id, claims: client.customClaims ?? [] }) : notFound(c);
});

/** Replaces the list; `{"claims": []}` clears it. */
adminClientClaims.put('/:id/claims', async (c) => {
  const body = await jsonBody(c);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidRequest('body must be {"claims": [...]}');
  forgetCatalog();
  const defined = (await catalog(c.env)).claims;
  const claims = parseScopeClaims((body as Record<string, unknown>).claims, (name) => defined.has(name), 0);
  if (!(await new ClientRepository(c.env.DB).setCustomClaims(c.req.param('id'), claims))) return notFound(c);
  audit('client.claims_changed', { subject: c.req.param('id'), details: { claims: claims.map((x) => x.name) } });
  return c.json({ client_id: c.req.param('id'), claims });
});
