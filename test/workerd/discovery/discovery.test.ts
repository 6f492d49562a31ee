import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { ISSUER, fetchOp } from '../helpers';

describe('discovery (OpenID Connect Discovery 1.0 §3, §4)', () => {
  it('serves every required and recommended field, true of this server', async () => {
    const res = await fetchOp('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      jwks_uri: `${ISSUER}/jwks`,
      response_types_supported: ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'token'],
      response_modes_supported: ['query', 'fragment', 'form_post', 'query.jwt', 'fragment.jwt', 'form_post.jwt', 'jwt'],
      authorization_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
      grant_types_supported: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
      revocation_endpoint: `${ISSUER}/revoke`,
      introspection_endpoint: `${ISSUER}/introspect`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
      code_challenge_methods_supported: ['S256'],
      request_parameter_supported: true,
      request_uri_parameter_supported: true,
      require_request_uri_registration: true,
      claims_parameter_supported: true,
      prompt_values_supported: ['none', 'login', 'consent', 'select_account', 'create'],
      acr_values_supported: ['1', 'phr'],
      ui_locales_supported: ['en', 'fr'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(meta.scopes_supported).toEqual(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);
    expect(meta.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'name', 'address', 'phone_number', 'auth_time', 'sid']));
    // Nothing that is not implemented is advertised.
    // Encrypted request objects are not supported: no request_object_encryption_* members (RFC 9101 §10.2).
    for (const absent of ['request_object_encryption_alg_values_supported', 'request_object_encryption_enc_values_supported']) {
      expect(meta).not.toHaveProperty(absent);
    }
  });

  it('derives the issuer from a loopback request origin when ISSUER is unset', async () => {
    // The test bindings set ISSUER; this request runs the app without it (test/workerd/settings covers other hosts).
    const res = await app.fetch(new Request('http://localhost:8787/.well-known/openid-configuration'), { ...env, ISSUER: undefined }, createExecutionContext());
    expect(((await res.json()) as { issuer: string }).issuer).toBe('http://localhost:8787');
  });

  it('refuses other methods with a JSON error', async () => {
    const res = await fetchOp('/.well-known/openid-configuration', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('jwks_uri', () => {
  it('publishes public signing keys with kid, use and alg, and no private member', async () => {
    const res = await fetchOp('/jwks');
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    // An active and a next key for each default algorithm.
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'ES256', 'PS256', 'PS256', 'RS256', 'RS256']);
    for (const key of keys) {
      expect(key.use).toBe('sig');
      expect(key.kty).toBe(key.alg === 'ES256' ? 'EC' : 'RSA');
      expect(typeof key.kid).toBe('string');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) expect(key).not.toHaveProperty(secret);
    }
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
  });

  it('uses the RFC 7638 thumbprint as kid', async () => {
    const { calculateJwkThumbprint } = await import('jose');
    const { keys } = (await (await fetchOp('/jwks')).json()) as { keys: { kid: string; kty: string; n?: string; e?: string; crv?: string; x?: string; y?: string }[] };
    for (const key of keys) {
      const members = key.kty === 'RSA' ? { kty: key.kty, n: key.n, e: key.e } : { kty: key.kty, crv: key.crv, x: key.x, y: key.y };
      expect(key.kid).toBe(await calculateJwkThumbprint(members));
    }
  });
});
