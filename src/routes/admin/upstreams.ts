import { Hono } from 'hono';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { audit } from '../../observability/audit';
import { UpstreamRepository, type Upstream } from '../../storage/upstreams';
import { generateUpstreamKey } from '../../upstream/client_key';
import { authChange, parseNewUpstream, parseUpstreamChanges, sealClientSecret, upstreamJson } from '../../upstream/config';
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
    clientSecretSealed: input.clientSecret !== undefined ? await sealClientSecret(c.env, input.slug, input.clientSecret) : '',
    authMethod: input.authMethod,
    // private_key_jwt: a key pair of our own, its private half sealed before it is stored.
    signingKey: input.keyAlg ? await generateUpstreamKey(c.env, input.slug, input.keyAlg, at) : null,
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
  audit('upstream.created', { subject: upstream.slug, details: { issuer: upstream.issuer, client_id: upstream.clientId, auth_method: upstream.authMethod, ...(upstream.signingKey ? { kid: upstream.signingKey.kid } : {}) } });
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
  const { clientSecret: _secret, authMethod: _method, keyAlg: _alg, rotateKey: _rotate, ...rest } = changes;
  const auth = authChange(current, changes);
  const at = now();
  const next: Upstream = {
    ...current,
    ...rest,
    authMethod: auth.authMethod,
    clientSecretSealed: auth.clientSecret !== undefined ? await sealClientSecret(c.env, current.slug, auth.clientSecret) : auth.dropSecret ? '' : current.clientSecretSealed,
    signingKey: auth.newKey ? await generateUpstreamKey(c.env, current.slug, auth.newKey, at) : auth.dropKey ? null : current.signingKey,
    updatedAt: at,
  };
  if (!(await repo.update(next))) return notFound(c);
  upstreamsChanged();
  const snake = (k: string) => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
  audit('upstream.updated', { subject: next.slug, details: { changed: Object.keys(changes).map(snake).join(' '), ...(auth.newKey ? { new_kid: next.signingKey!.kid } : {}) } });
  return c.json(upstreamJson(next, c.var.issuer));
});

/** Deletes the upstream and its account links; local users it created stay (their sessions too). */
adminUpstreams.delete('/:slug', async (c) => {
  if (!(await new UpstreamRepository(c.env.DB).delete(c.req.param('slug')))) return notFound(c);
  upstreamsChanged();
  audit('upstream.deleted', { subject: c.req.param('slug') });
  return c.body(null, 204);
});
