// Registration rules that act later: the registered assertion algorithm, and the open-registration throttle.
import { describe, expect, it } from 'vitest';
import { ISSUER } from '../helpers';
import { assertionAuth, clientKey, postForm, sign } from '../tokens/helpers';
import { JSON_HEADERS, fetchWith, registered } from './local-helpers';

describe('token_endpoint_auth_signing_alg (Registration 1.0 §2)', () => {
  it('is the only algorithm accepted for the client assertion', async () => {
    const es = await clientKey('ES256');
    const rs = await clientKey('RS256');
    const c = await registered({
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [es.publicJwk, rs.publicJwk] },
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api',
    });
    expect(c.token_endpoint_auth_signing_alg).toBe('ES256');
    const rsRes = await postForm('/token', { grant_type: 'client_credentials' }, assertionAuth(await sign(c.client_id, rs)));
    expect(rsRes.status).toBe(401);
    expect(((await rsRes.json()) as { error: string }).error).toBe('invalid_client');
    const esRes = await postForm('/token', { grant_type: 'client_credentials' }, assertionAuth(await sign(c.client_id, es)));
    expect(esRes.status).toBe(200);
  });
});

describe('REGISTRATION=open', () => {
  it('allows 20 registrations per client IP per hour, then 429 with Retry-After', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const send = () =>
      fetchWith({ REGISTRATION: 'open' }, `${ISSUER}/register`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, 'CF-Connecting-IP': ip },
        body: JSON.stringify({ redirect_uris: ['https://rp.example.test/cb'] }),
      });
    for (let i = 0; i < 20; i++) expect((await send()).status).toBe(201);
    const res = await send();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('25 parallel registrations from one IP: exactly 20 are made (check and count are one step)', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}-race-${crypto.randomUUID().slice(0, 8)}`;
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        fetchWith({ REGISTRATION: 'open' }, `${ISSUER}/register`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, 'CF-Connecting-IP': ip },
          body: JSON.stringify({ redirect_uris: ['https://rp.example.test/cb'] }),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
  }, 30_000);
});
