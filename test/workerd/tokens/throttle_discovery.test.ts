// RFC 6749 §2.3.1 brute-force protection of client credentials, and what discovery advertises.
import { describe, expect, it } from 'vitest';
import { basicAuth, createClient, expectError, expectTokens, fetchOp, ISSUER, postForm, uniqueIp } from './helpers';

describe('client authentication throttling', () => {
  it('10 failed authentications for one client_id -> the 11th, even with the right secret, is 429 invalid_client with Retry-After', async () => {
    const client = await createClient({ grant_types: ['authorization_code', 'client_credentials'], scope: 'api:read' });
    const ip = uniqueIp();
    const cc = { grant_type: 'client_credentials' };
    // The right secret works before any failure.
    await expectTokens(await postForm('/token', cc, basicAuth(client), ip));
    for (let i = 0; i < 10; i++) {
      await expectError(await postForm('/token', cc, basicAuth({ ...client, client_secret: `wrong-${i}` }), uniqueIp()), 'invalid_client', 401);
    }
    const throttled = await postForm('/token', cc, basicAuth(client), ip);
    const body = await expectError(throttled, 'invalid_client', 429);
    expect(body.error_description).toBeTruthy();
    const retryAfter = Number(throttled.headers.get('Retry-After'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(5 * 60);
    // Other endpoints that authenticate the client are throttled too.
    await expectError(await postForm('/introspect', { token: 'x' }, basicAuth(client), ip), 'invalid_client', 429);
    // Another client, from the same address, is unaffected.
    const other = await createClient({ grant_types: ['authorization_code', 'client_credentials'], scope: 'api:read' });
    await expectTokens(await postForm('/token', cc, basicAuth(other), ip));
  });

  it('9 failures do not throttle: the right secret still works', async () => {
    const client = await createClient({ grant_types: ['authorization_code', 'client_credentials'], scope: 'api:read' });
    for (let i = 0; i < 9; i++) {
      await expectError(await postForm('/token', { grant_type: 'client_credentials' }, basicAuth({ ...client, client_secret: 'nope' })), 'invalid_client', 401);
    }
    await expectTokens(await postForm('/token', { grant_type: 'client_credentials' }, basicAuth(client)));
  });

  it('failures for an unknown client_id are throttled the same way (no probing)', async () => {
    const ghost = { client_id: `ghost-${crypto.randomUUID()}`, client_secret: 'x', redirect_uris: [] };
    for (let i = 0; i < 10; i++) await expectError(await postForm('/token', { grant_type: 'client_credentials' }, basicAuth(ghost)), 'invalid_client', 401);
    const res = await postForm('/token', { grant_type: 'client_credentials' }, basicAuth(ghost));
    await expectError(res, 'invalid_client', 429);
    expect(res.headers.get('Retry-After')).toBeTruthy();
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
