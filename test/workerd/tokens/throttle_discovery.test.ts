// RFC 6749 §2.3.1 brute-force protection of client credentials, and what discovery advertises.
import { describe, expect, it } from 'vitest';
import { basicAuth, createClient, expectError, expectTokens, fetchOp, ISSUER, postForm, uniqueIp } from './helpers';

const cc = { grant_type: 'client_credentials' };
const ccClient = () => createClient({ grant_types: ['authorization_code', 'client_credentials'], scope: 'api:read' });

describe('client authentication throttling (RFC 6749 §2.3.1): failures never block a correct credential', () => {
  it('lockout attack: 10 requests carrying only the client_id, then the right secret -> 200', async () => {
    const client = await ccClient();
    const attacker = uniqueIp();
    for (let i = 0; i < 10; i++) {
      await expectError(await postForm('/token', { ...cc, client_id: client.client_id }, {}, attacker), 'invalid_client', 401);
      await expectError(await postForm('/token', cc, basicAuth({ ...client, client_secret: `wrong-${i}` }), uniqueIp()), 'invalid_client', 401);
    }
    // The rightful client, from its own address and even from the attacker's, is not refused.
    await expectTokens(await postForm('/token', cc, basicAuth(client), uniqueIp()));
    await expectTokens(await postForm('/token', cc, basicAuth(client), attacker));
  }, 30_000);

  it('per (client, IP): the 11th failure within 5 minutes is 429 invalid_client with Retry-After; the right secret still passes', async () => {
    const client = await ccClient();
    const ip = uniqueIp();
    for (let i = 0; i < 10; i++) await expectError(await postForm('/token', cc, basicAuth({ ...client, client_secret: `wrong-${i}` }), ip), 'invalid_client', 401);
    const throttled = await postForm('/token', cc, basicAuth({ ...client, client_secret: 'wrong-again' }), ip);
    const body = await expectError(throttled, 'invalid_client', 429);
    expect(body.error_description).toBeTruthy();
    const retryAfter = Number(throttled.headers.get('Retry-After'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(5 * 60);
    // Other endpoints that authenticate the client answer the same to this failing caller.
    await expectError(await postForm('/introspect', { token: 'x' }, basicAuth({ ...client, client_secret: 'nope' }), ip), 'invalid_client', 429);
    await expectError(await postForm('/revoke', { token: 'x' }, basicAuth({ ...client, client_secret: 'nope' }), ip), 'invalid_client', 429);
    // A correct credential is never refused, from this very address either.
    await expectTokens(await postForm('/token', cc, basicAuth(client), ip));
    // The same client's failures from another address are counted apart.
    await expectError(await postForm('/token', cc, basicAuth({ ...client, client_secret: 'nope' }), uniqueIp()), 'invalid_client', 401);
  });

  it('per IP across clients (token, revocation, introspection): the 51st failure in 5 minutes is 429 with Retry-After', async () => {
    const ip = uniqueIp();
    const paths = ['/token', '/revoke', '/introspect'] as const;
    for (let i = 0; i < 50; i++) {
      const ghost = { client_id: `ghost-${i}-${crypto.randomUUID()}`, client_secret: 'x', redirect_uris: [] };
      await expectError(await postForm(paths[i % 3]!, { ...cc, token: 'x' }, basicAuth(ghost), ip), 'invalid_client', 401);
    }
    const client = await ccClient();
    const res = await postForm('/revoke', { token: 'x' }, basicAuth({ ...client, client_secret: 'wrong' }), ip);
    await expectError(res, 'invalid_client', 429);
    const retryAfter = Number(res.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(5 * 60);
    // The right secret from that address still works.
    await expectTokens(await postForm('/token', cc, basicAuth(client), ip));
  }, 30_000);
});

describe('one answer for every client authentication failure (RFC 6749 §5.2, no probing of client ids)', () => {
  it('unknown client_id, the wrong method, a wrong secret, a missing secret: same status, body and headers', async () => {
    const basicClient = await ccClient();
    const postClient = await createClient({ token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], scope: 'api:read' });
    const publicClient = await createClient({ token_endpoint_auth_method: 'none' });
    const attempts: [string, () => Promise<Response>][] = [
      ['unknown client, Basic', () => postForm('/token', cc, basicAuth({ client_id: `ghost-${crypto.randomUUID()}`, client_secret: 'x', redirect_uris: [] }))],
      ['unknown client, post', () => postForm('/token', { ...cc, client_id: `ghost-${crypto.randomUUID()}`, client_secret: 'x' })],
      ['unknown client, no secret', () => postForm('/token', { ...cc, client_id: `ghost-${crypto.randomUUID()}` })],
      ['wrong secret, Basic', () => postForm('/token', cc, basicAuth({ ...basicClient, client_secret: 'wrong' }))],
      ['Basic client using post', () => postForm('/token', { ...cc, client_id: basicClient.client_id, client_secret: basicClient.client_secret! })],
      ['post client using Basic', () => postForm('/token', cc, basicAuth(postClient))],
      ['confidential client, no secret', () => postForm('/token', { ...cc, client_id: basicClient.client_id })],
      ['a 5,000-character client_id', () => postForm('/token', cc, basicAuth({ client_id: `ghost-${'x'.repeat(5000)}`, client_secret: 'x', redirect_uris: [] }))],
      ['public client using a secret', () => postForm('/token', { ...cc, client_id: publicClient.client_id, client_secret: 'x' })],
    ];
    const seen = await Promise.all(
      attempts.map(async ([name, send]) => {
        const res = await send();
        const headers = [...res.headers].filter(([k]) => k !== 'date').sort();
        return { name, status: res.status, body: await res.text(), headers: JSON.stringify(headers) };
      }),
    );
    const first = seen[0]!;
    expect(first.status).toBe(401);
    expect(JSON.parse(first.body)).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(first.headers).toContain('WWW-Authenticate'.toLowerCase());
    for (const s of seen) expect({ name: s.name, status: s.status, body: s.body, headers: s.headers }).toEqual({ ...first, name: s.name });
  });
});

describe('discovery: token lifecycle metadata', () => {
  it('lists grant types, auth methods and their signing algs, revocation and introspection endpoints', async () => {
    const res = await fetchOp('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    const m = (await res.json()) as Record<string, unknown>;
    expect(m.token_endpoint).toBe(`${ISSUER}/token`);
    expect(m.revocation_endpoint).toBe(`${ISSUER}/revoke`);
    expect(m.introspection_endpoint).toBe(`${ISSUER}/introspect`);
    expect(m.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(m.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    const methods = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'];
    for (const field of ['token_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported']) {
      expect(m[field], field).toEqual(expect.arrayContaining(methods));
    }
    for (const field of [
      'token_endpoint_auth_signing_alg_values_supported',
      'revocation_endpoint_auth_signing_alg_values_supported',
      'introspection_endpoint_auth_signing_alg_values_supported',
    ]) {
      const algs = m[field] as string[];
      expect(algs, field).toEqual(expect.arrayContaining(['RS256', 'ES256', 'HS256']));
      // RFC 8414 §2: "none" MUST NOT be used.
      expect(algs, field).not.toContain('none');
    }
  });

  it('every advertised endpoint exists (POST without credentials -> 401 invalid_client, not 404)', async () => {
    const m = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, string>;
    for (const field of ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      const path = new URL(m[field]!).pathname as '/token' | '/revoke' | '/introspect';
      await expectError(await postForm(path, { token: 'x', grant_type: 'client_credentials' }), 'invalid_client', 401);
    }
  });

  it('the RFC 8414 document carries the same token lifecycle metadata', async () => {
    const m = (await (await fetchOp('/.well-known/oauth-authorization-server')).json()) as Record<string, unknown>;
    expect(m.revocation_endpoint).toBe(`${ISSUER}/revoke`);
    expect(m.introspection_endpoint).toBe(`${ISSUER}/introspect`);
    expect(m.grant_types_supported).toEqual(expect.arrayContaining(['refresh_token', 'client_credentials']));
  });
});
