import { Hono } from 'hono';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { audit } from '../../observability/audit';
import { UpstreamRepository, type Upstream } from '../../storage/upstreams';
import { parseNewUpstream, parseUpstreamChanges, sealClientSecret, upstreamJson } from '../../upstream/config';
import { upstreamsChanged } from '../../upstream/registry';
import { jsonBody, notFound } from './common';

/** Upstream OpenID providers (issue 11, docs/admin-api.md): the OP as an SSO broker. */
export const adminUpstreams = new Hono<AppEnv>();

adminUpstreams.post('/', async (c) => {
  const input = parseNewUpstream(await jsonBody(c), c.var.issuer);
  const at = now();
  const upstream: Upstream = {
    slug: input.slug,
    name: input.name,
    issuer: input.issuer,
    clientId: input.clientId,
    clientSecretSealed: await sealClientSecret(c.env, input.slug, input.clientSecret),
    scopes: input.scopes,
    claimMapping: input.claimMapping,
    linkByEmail: input.linkByEmail,
    endSession: input.endSession,
    createdAt: at,
    updatedAt: at,
  };
  if (!(await new UpstreamRepository(c.env.DB).insert(upstream))) {
    return c.json({ error: 'conflict', error_description: `an upstream with slug ${input.slug} already exists` }, 409);
  }
  upstreamsChanged();
  audit('upstream.created', { subject: upstream.slug, details: { issuer: upstream.issuer, client_id: upstream.clientId } });
  return c.json(upstreamJson(upstream, c.var.issuer), 201);
});

adminUpstreams.get('/', async (c) => c.json({ upstreams: (await new UpstreamRepository(c.env.DB).list()).map((u) => upstreamJson(u, c.var.issuer)) }));

adminUpstreams.get('/:slug', async (c) => {
  const upstream = await new UpstreamRepository(c.env.DB).find(c.req.param('slug'));
  return upstream ? c.json(upstreamJson(upstream, c.var.issuer)) : notFound(c);
});

adminUpstreams.patch('/:slug', async (c) => {
  const changes = parseUpstreamChanges(await jsonBody(c), c.var.issuer);
  const repo = new UpstreamRepository(c.env.DB);
  const current = await repo.find(c.req.param('slug'));
  if (!current) return notFound(c);
  const { clientSecret, ...rest } = changes;
  const next: Upstream = {
    ...current,
    ...rest,
    ...(clientSecret !== undefined ? { clientSecretSealed: await sealClientSecret(c.env, current.slug, clientSecret) } : {}),
    updatedAt: now(),
  };
  if (!(await repo.update(next))) return notFound(c);
  upstreamsChanged();
  const snake = (k: string) => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
  audit('upstream.updated', { subject: next.slug, details: { changed: Object.keys(changes).map(snake).join(' ') } });
  return c.json(upstreamJson(next, c.var.issuer));
});

/** Deletes the upstream and its account links; local users it created stay (their sessions too). */
adminUpstreams.delete('/:slug', async (c) => {
  if (!(await new UpstreamRepository(c.env.DB).delete(c.req.param('slug')))) return notFound(c);
  upstreamsChanged();
  audit('upstream.deleted', { subject: c.req.param('slug') });
  return c.body(null, 204);
});
