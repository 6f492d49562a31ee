// Upstream providers (issue 11): the admin API stores them with the client secret sealed, validates
// every member (400 invalid_request, never 5xx) and never returns the secret.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ADMIN, fetchOp, ISSUER } from '../helpers';
import { openClientSecret } from '../../../src/upstream/config';
import { UpstreamRepository } from '../../../src/storage/upstreams';

let n = 0;
const slug = () => `up-${Date.now().toString(36)}-${n++}`;
const create = (body: Record<string, unknown>) => fetchOp('/admin/upstreams', { method: 'POST', headers: ADMIN, body: JSON.stringify(body) });
const valid = (s = slug()) => ({ slug: s, name: 'Example IdP', issuer: 'https://idp.example.com', client_id: 'our-client', client_secret: 'upstream-secret-value' });

describe('admin API: upstreams', () => {
  it('creates one: the redirect_uri to register, defaults, the secret sealed at rest and never returned', async () => {
    const s = slug();
    const res = await create(valid(s));
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      slug: s,
      name: 'Example IdP',
      issuer: 'https://idp.example.com',
      client_id: 'our-client',
      scopes: ['openid', 'profile', 'email'],
      link_by_email: false,
      end_session: false,
      redirect_uri: `${ISSUER}/upstream/${s}/callback`,
      backchannel_logout_uri: `${ISSUER}/upstream/${s}/backchannel-logout`,
    });
    expect(body.claim_mapping).toEqual({ email: 'email', email_verified: 'email_verified', name: 'name', given_name: 'given_name', family_name: 'family_name', picture: 'picture', locale: 'locale' });
    expect(JSON.stringify(body)).not.toContain('upstream-secret-value');

    const row = await env.DB.prepare('SELECT client_secret_sealed FROM upstreams WHERE slug = ?').bind(s).first<{ client_secret_sealed: string }>();
    expect(row!.client_secret_sealed).not.toContain('upstream-secret-value');
    const stored = (await new UpstreamRepository(env.DB).find(s))!;
    expect(await openClientSecret(env, stored)).toBe('upstream-secret-value');
    // Sealed for this slug only: under another slug it does not open.
    await expect(openClientSecret(env, { ...stored, slug: 'other' })).rejects.toThrow(/cannot be opened/);

    const got = await fetchOp(`/admin/upstreams/${s}`, { headers: ADMIN });
    expect(got.status).toBe(200);
    expect(JSON.stringify(await got.json())).not.toContain('upstream-secret-value');
    const list = (await (await fetchOp('/admin/upstreams', { headers: ADMIN })).json()) as { upstreams: { slug: string }[] };
    expect(list.upstreams.map((u) => u.slug)).toContain(s);
  });

  it('scopes always include openid; the claim mapping lies over the default ("" unmaps)', async () => {
    const res = await create({ ...valid(), scopes: ['profile', 'groups'], claim_mapping: { name: 'displayName', picture: '', 'attributes.department': 'dept' }, link_by_email: true });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { scopes: string[]; claim_mapping: Record<string, string>; link_by_email: boolean };
    expect(body.scopes).toEqual(['openid', 'profile', 'groups']);
    expect(body.claim_mapping.name).toBe('displayName');
    expect(body.claim_mapping['attributes.department']).toBe('dept');
    expect(body.claim_mapping).not.toHaveProperty('picture');
    expect(body.link_by_email).toBe(true);
  });

  it.each([
    ['no body fields', {}],
    ['a bad slug', { ...valid(), slug: 'Not A Slug' }],
    ['a slug too long', { ...valid(), slug: 'a'.repeat(33) }],
    ['no name', { ...valid(), name: undefined }],
    ['no client secret', { ...valid(), client_secret: '' }],
    ['an http issuer', { ...valid(), issuer: 'http://idp.example.com' }],
    ['a private issuer', { ...valid(), issuer: 'https://10.1.2.3' }],
    ['a loopback issuer (the OP is not a development one)', { ...valid(), issuer: 'https://127.0.0.1:8443' }],
    ['an issuer with a query', { ...valid(), issuer: 'https://idp.example.com/?x=1' }],
    ['not a URL', { ...valid(), issuer: 'idp' }],
    ['a bad scope', { ...valid(), scopes: ['open"id'] }],
    ['scopes not a list', { ...valid(), scopes: 5 }],
    ['sub in the mapping', { ...valid(), claim_mapping: { sub: 'oid' } }],
    ['an unknown local claim', { ...valid(), claim_mapping: { favourite_colour: 'c' } }],
    ['a mapped value not a string', { ...valid(), claim_mapping: { name: 3 } }],
    ['link_by_email not a boolean', { ...valid(), link_by_email: 'yes' }],
    ['an unknown member', { ...valid(), secret: 'x' }],
  ])('refuses %s with 400 invalid_request, and stores nothing', async (_what, body) => {
    const res = await create(body as Record<string, unknown>);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    const s = (body as { slug?: unknown }).slug;
    if (typeof s === 'string') expect(await new UpstreamRepository(env.DB).find(s)).toBeNull();
  });

  it('refuses a body that is not JSON, and a taken slug (409)', async () => {
    const bad = await fetchOp('/admin/upstreams', { method: 'POST', headers: ADMIN, body: '{' });
    expect(bad.status).toBe(400);
    const s = slug();
    expect((await create(valid(s))).status).toBe(201);
    const again = await create({ ...valid(s), name: 'Other' });
    expect(again.status).toBe(409);
    expect(((await (await fetchOp(`/admin/upstreams/${s}`, { headers: ADMIN })).json()) as { name: string }).name).toBe('Example IdP');
  });

  it('updates the members given (a new secret is sealed again), refuses a slug change; deletes', async () => {
    const s = slug();
    await create(valid(s));
    const patch = (body: unknown) => fetchOp(`/admin/upstreams/${s}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify(body) });
    const res = await patch({ name: 'Renamed', client_secret: 'rotated-secret', end_session: true, claim_mapping: { email: 'mail' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Renamed', end_session: true, claim_mapping: { email: 'mail' }, client_id: 'our-client' });
    expect(await openClientSecret(env, (await new UpstreamRepository(env.DB).find(s))!)).toBe('rotated-secret');
    expect((await patch({ slug: 'other' })).status).toBe(400);
    expect((await patch({ issuer: 'ftp://x' })).status).toBe(400);
    expect((await patch({})).status).toBe(400);
    expect((await fetchOp('/admin/upstreams/nope-none', { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ name: 'x' }) })).status).toBe(404);

    expect((await fetchOp(`/admin/upstreams/${s}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect((await fetchOp(`/admin/upstreams/${s}`, { headers: ADMIN })).status).toBe(404);
    expect((await fetchOp(`/admin/upstreams/${s}`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
  });

  it('needs the admin token', async () => {
    expect((await fetchOp('/admin/upstreams')).status).toBe(401);
  });
});
