// JARM (JWT Secured Authorization Response Mode): response_mode jwt, query.jwt, fragment.jwt and
// form_post.jwt; per-client authorization_signed_response_alg; errors as JARM; discovery.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, ISSUER, authorizeInBrowser, createClient, createUser, csrfOf, exchangeCode, fetchOp, type TestClient } from '../helpers';
import { jarmAlg } from '../../../src/authorize/jarm';
import { DEFAULT_FIELDS } from '../../../src/clients/model';
import { authorizeQuery } from '../authorize/local-helpers';
import { META, initialAccessToken, register, registered } from '../registration/local-helpers';

const jwks = async () => createLocalJWKSet((await (await fetchOp('/jwks')).json()) as { keys: [] });

/** Verifies a JARM response JWT with our published keys, for `client` (aud) and our issuer. */
async function verifyResponse(jwt: string, client: TestClient): Promise<JWTPayload> {
  const { payload } = await jwtVerify(jwt, await jwks(), { issuer: ISSUER, audience: client.client_id, requiredClaims: ['exp', 'iat'] });
  return payload;
}

/** The `response` parameter of a JARM redirect in the query, which must carry nothing else. */
function queryResponse(url: URL): string {
  expect([...url.searchParams.keys()]).toEqual(['response']);
  expect(url.hash).toBe('');
  return url.searchParams.get('response')!;
}

describe('JARM response modes', () => {
  it('response_mode=jwt with code: one signed `response` in the query (JARM §2.3.4), iss/aud/exp/iat, the code redeems', async () => {
    const client = await createClient();
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user, extra: { response_mode: 'jwt' } });
    const jwt = queryResponse(callback);
    const header = decodeProtectedHeader(jwt);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toBeTruthy();
    const claims = await verifyResponse(jwt, client);
    expect(claims.iss).toBe(ISSUER);
    expect(claims.aud).toBe(client.client_id);
    expect(claims.state).toBe('state-123');
    // JARM §2.1: a short expiry (10 minutes).
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
    const res = await exchangeCode(client, claims.code as string);
    expect(res.status).toBe(200);
  });

  it('the JWT is for this client only: another audience or a tampered signature fails verification', async () => {
    const client = await createClient();
    const user = await createUser();
    const jwt = queryResponse(await authorizeInBrowser({ client, user, extra: { response_mode: 'query.jwt' } }));
    await expect(jwtVerify(jwt, await jwks(), { issuer: ISSUER, audience: 'another-client' })).rejects.toThrow();
    const [h, p, s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(jwt), state: 'forged' })).toString('base64url')}.${s}`;
    expect(p).not.toBe(forged.split('.')[1]);
    await expect(verifyResponse(forged, client)).rejects.toThrow();
  });

  it('authorization_signed_response_alg: the client\'s algorithm and our current key of it', async () => {
    const client = await createClient({ authorization_signed_response_alg: 'PS256' });
    const shown = (await (await fetchOp(`/admin/clients/${client.client_id}`, { headers: { Authorization: 'Bearer test-admin-token-0123456789abcdefghij' } })).json()) as Record<string, unknown>;
    expect(shown.authorization_signed_response_alg).toBe('PS256');
    const user = await createUser();
    const jwt = queryResponse(await authorizeInBrowser({ client, user, extra: { response_mode: 'jwt' } }));
    const header = decodeProtectedHeader(jwt);
    expect(header.alg).toBe('PS256');
    const keys = (await (await fetchOp('/jwks')).json()) as { keys: { kid: string; alg: string }[] };
    expect(keys.keys.find((k) => k.kid === header.kid)?.alg).toBe('PS256');
    expect((await verifyResponse(jwt, client)).code).toBeTruthy();
  });

  it('an unknown algorithm is refused by the admin API', async () => {
    const res = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token-0123456789abcdefghij', 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], authorization_signed_response_alg: 'HS256' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('jwt with a type that returns tokens is fragment.jwt; query.jwt with tokens is refused (JARM §2.3.1)', async () => {
    const client = await createClient({ response_types: ['code id_token'] });
    const user = await createUser();
    const browser = new Browser();
    const callback = await authorizeInBrowser({ client, user, browser, extra: { response_type: 'code id_token', response_mode: 'jwt' } });
    expect(callback.search).toBe('');
    const fragment = new URLSearchParams(callback.hash.slice(1));
    expect([...fragment.keys()]).toEqual(['response']);
    const claims = await verifyResponse(fragment.get('response')!, client);
    expect(claims.code).toBeTruthy();
    expect(decodeJwt(claims.id_token as string).aud).toBe(client.client_id);

    const refused = await browser.get(`/authorize?${authorizeQuery(client, { response_type: 'code id_token', response_mode: 'query.jwt' })}`);
    expect(refused.status).toBe(302);
    const location = new URL(refused.headers.get('Location')!);
    // Never in the query: the error goes back in the type's default mode.
    expect(location.search).toBe('');
    expect(new URLSearchParams(location.hash.slice(1)).get('error')).toBe('invalid_request');
  });

  it('errors go back as JARM too (JARM §2.2): prompt=none without a session is login_required inside the JWT', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { prompt: 'none', response_mode: 'jwt' })}`);
    expect(res.status).toBe(302);
    const claims = await verifyResponse(queryResponse(new URL(res.headers.get('Location')!)), client);
    expect(claims.error).toBe('login_required');
    expect(claims.state).toBe('st-789');
    expect(claims.code).toBeUndefined();
  });

  it('a request error after the client is trusted (plain PKCE) and the user denying consent are JARM errors', async () => {
    const client = await createClient();
    const bad = await fetchOp(`/authorize?${authorizeQuery(client, { response_mode: 'jwt', code_challenge_method: 'plain', code_challenge: 'x'.repeat(43) })}`);
    expect(bad.status).toBe(302);
    expect((await verifyResponse(queryResponse(new URL(bad.headers.get('Location')!)), client)).error).toBe('invalid_request');

    const user = await createUser();
    const browser = new Browser();
    let res = await browser.get(`/authorize?${authorizeQuery(client, { response_mode: 'jwt' })}`);
    const page = res.headers.get('Location')!;
    res = await browser.get(page);
    res = await browser.post(`${page}/login`, { csrf: csrfOf(await res.text()), username: user.username, password: user.password });
    res = await browser.get(res.headers.get('Location')!);
    res = await browser.post(`${page}/consent`, { csrf: csrfOf(await res.text()), decision: 'deny' });
    expect(res.status).toBe(303);
    const claims = await verifyResponse(queryResponse(new URL(res.headers.get('Location')!)), client);
    expect(claims.error).toBe('access_denied');
    expect(claims.state).toBe('st-789');
  });

  it('form_post.jwt: an auto-posting page with one hidden `response` field, no-store, CSP form-action to the redirect URI', async () => {
    const client = await createClient();
    const user = await createUser();
    const browser = new Browser();
    let res = await browser.get(`/authorize?${authorizeQuery(client, { response_mode: 'form_post.jwt' })}`);
    const page = res.headers.get('Location')!;
    res = await browser.get(page);
    res = await browser.post(`${page}/login`, { csrf: csrfOf(await res.text()), username: user.username, password: user.password });
    res = await browser.get(res.headers.get('Location')!);
    res = await browser.post(`${page}/consent`, { csrf: csrfOf(await res.text()), decision: 'allow' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    expect(res.headers.get('Content-Security-Policy')).toContain('form-action https://rp.example.test/cb');
    const html = await res.text();
    expect(html).toContain('action="https://rp.example.test/cb"');
    const inputs = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]+)"/g)];
    expect(inputs.map((m) => m[1])).toEqual(['response']);
    const claims = await verifyResponse(inputs[0]![2]!, client);
    expect(claims.state).toBe('st-789');
    expect(claims.code).toBeTruthy();
  });

  it('the default algorithm: RS256 (JARM §3), but a fapi2 client\'s ID token algorithm (FAPI 2.0 forbids RS256)', () => {
    const base = { ...DEFAULT_FIELDS, id: 'c1' };
    expect(jarmAlg(base)).toBe('RS256');
    expect(jarmAlg({ ...base, authorizationSignedResponseAlg: 'ES256' })).toBe('ES256');
    expect(jarmAlg({ ...base, profile: 'fapi2', idTokenAlg: 'PS256' })).toBe('PS256');
    expect(jarmAlg({ ...base, profile: 'fapi2', idTokenAlg: 'PS256', authorizationSignedResponseAlg: 'EdDSA' })).toBe('EdDSA');
  });

  it('discovery lists the JARM modes and the signing algorithms', async () => {
    const meta = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, string[]>;
    expect(meta.response_modes_supported).toEqual(expect.arrayContaining(['query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt']));
    expect(meta.authorization_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256']));
    expect(meta.authorization_signing_alg_values_supported).not.toContain('none');
  });

  it('dynamic registration: authorization_signed_response_alg is accepted and echoed; none is refused', async () => {
    const c = await registered({ authorization_signed_response_alg: 'ES256' });
    expect(c.authorization_signed_response_alg).toBe('ES256');
    const { initial_access_token } = await initialAccessToken();
    const res = await register({ ...META, authorization_signed_response_alg: 'none' }, initial_access_token);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });
});
