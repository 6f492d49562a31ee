// OIDC Core §5.3.2: signed UserInfo responses for clients that registered userinfo_signed_response_alg.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { ISSUER, createUser, fetchOp, obtainTokens, type TestClient } from '../helpers';
import { registered, type Registered } from './local-helpers';

const asTestClient = (c: Registered): TestClient => ({ client_id: c.client_id, client_secret: c.client_secret, redirect_uris: c.redirect_uris });
const jwks = async () => createLocalJWKSet((await (await fetchOp('/jwks')).json()) as JSONWebKeySet);

describe('signed userinfo', () => {
  for (const alg of ['RS256', 'PS256', 'ES256']) {
    it(`${alg}: application/jwt with iss, aud = client_id and the claims, verifiable against the JWKS`, async () => {
      const c = await registered({ userinfo_signed_response_alg: alg });
      expect(c.userinfo_signed_response_alg).toBe(alg);
      const user = await createUser();
      const tokens = await obtainTokens({ client: asTestClient(c), user, scope: 'openid email' });
      const res = await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toBe('application/jwt');
      expect(res.headers.get('Cache-Control')).toBe('no-store');
      const jwt = await res.text();
      expect(decodeProtectedHeader(jwt).alg).toBe(alg);
      const { payload } = await jwtVerify(jwt, await jwks(), { issuer: ISSUER, audience: c.client_id, algorithms: [alg] });
      expect(payload.sub).toBe(decodeJwt(tokens.id_token).sub);
      expect(payload.email).toBe(`${user.username}@example.test`);
      expect(payload).not.toHaveProperty('given_name');
    });
  }

  it('combined with pairwise subjects, the signed sub is the pairwise one', async () => {
    const c = await registered({ userinfo_signed_response_alg: 'ES256', subject_type: 'pairwise' });
    const user = await createUser();
    const tokens = await obtainTokens({ client: asTestClient(c), user, scope: 'openid' });
    const jwt = await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).text();
    const { payload } = await jwtVerify(jwt, await jwks(), { issuer: ISSUER, audience: c.client_id });
    expect(payload.sub).not.toBe(user.id);
    expect(payload.sub).toBe(decodeJwt(tokens.id_token).sub);
  });

  it('clients that registered no algorithm get plain JSON; discovery lists the algorithms', async () => {
    const c = await registered();
    const tokens = await obtainTokens({ client: asTestClient(c), user: await createUser(), scope: 'openid' });
    const res = await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    const meta = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta.userinfo_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256']);
  });
});
