import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, ISSUER, createClient, createUser, exchangeCode, fetchOp, type TestClient } from '../helpers';
import { expectError, registered } from '../registration/local-helpers';
import { FORM, followInBrowser } from './local-helpers';

async function clientWithKey(alg: 'ES256' | 'PS256' = 'ES256', extra: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg };
  const client = await createClient({ jwks: { keys: [jwk] }, ...extra });
  return { client, privateKey, alg };
}

const now = () => Math.floor(Date.now() / 1000);

async function requestObject(c: { client: TestClient; privateKey: CryptoKey; alg: string }, claims: Record<string, unknown> = {}, o: { key?: CryptoKey; alg?: string; exp?: number } = {}) {
  return new SignJWT({
    client_id: c.client.client_id,
    redirect_uri: c.client.redirect_uris[0],
    response_type: 'code',
    scope: 'openid profile',
    state: 'inner-state',
    nonce: 'inner-nonce',
    nbf: now(),
    ...claims,
  })
    .setProtectedHeader({ alg: o.alg ?? c.alg, kid: 'k1' })
    .setIssuer(c.client.client_id)
    .setAudience((claims.aud as string | undefined) ?? ISSUER)
    .setIssuedAt()
    .setExpirationTime(o.exp ?? now() + 300)
    .sign(o.key ?? c.privateKey);
}

const outer = (client: TestClient, request: string, extra: Record<string, string> = {}) =>
  `/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', scope: 'openid', redirect_uri: client.redirect_uris[0]!, state: 'outer-state', request, ...extra })}`;

async function expectRedirectError(path: string, error: string) {
  const res = await new Browser().get(path);
  expect(res.status).toBe(302);
  expect(res.headers.get('Location'), JSON.stringify(decodeJwt(new URL(path, ISSUER).searchParams.get('request')!))).toMatch(/^https:\/\/rp\.example\.test\/cb\?/);
  const location = new URL(res.headers.get('Location')!);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('code')).toBeNull();
  return location;
}

describe('request objects (RFC 9101, OIDC Core §6)', () => {
  it('takes the parameters of a signed request object by value; they win over the outer ones', async () => {
    const c = await clientWithKey();
    const user = await createUser();
    const callback = await followInBrowser(new Browser(), outer(c.client, await requestObject(c)), user);
    expect(callback.searchParams.get('state')).toBe('inner-state');
    const res = await exchangeCode(c.client, callback.searchParams.get('code')!);
    const { id_token, scope } = (await res.json()) as { id_token: string; scope: string };
    expect(decodeJwt(id_token).nonce).toBe('inner-nonce');
    expect(scope).toBe('openid profile');
  });

  it('refuses objects signed with another key, unsigned, expired, too long-lived, for another audience or issuer, or with a mismatched client_id', async () => {
    const c = await clientWithKey();
    const other = await generateKeyPair('ES256');
    const location = await expectRedirectError(outer(c.client, await requestObject(c, {}, { key: other.privateKey })), 'invalid_request_object');
    // The error goes back with the outer state: the inner one was never trusted.
    expect(location.searchParams.get('state')).toBe('outer-state');
    const unsigned = `${btoa(JSON.stringify({ alg: 'none' })).replace(/=+$/, '')}.${btoa(JSON.stringify({ iss: c.client.client_id, aud: ISSUER, exp: now() + 60, client_id: c.client.client_id })).replace(/=+$/, '')}.`;
    await expectRedirectError(outer(c.client, unsigned), 'invalid_request_object');
    await expectRedirectError(outer(c.client, await requestObject(c, {}, { exp: now() - 120 })), 'invalid_request_object');
    await expectRedirectError(outer(c.client, await requestObject(c, {}, { exp: now() + 7200 })), 'invalid_request_object');
    await expectRedirectError(outer(c.client, await requestObject(c, { nbf: now() - 4000 }, { exp: now() + 300 })), 'invalid_request_object');
    await expectRedirectError(outer(c.client, await requestObject(c, { aud: 'https://other.example.test' })), 'invalid_request_object');
    await expectRedirectError(outer(c.client, await requestObject(c, { client_id: 'someone-else' })), 'invalid_request_object');
    await expectRedirectError(outer(c.client, await requestObject(c, { request_uri: 'https://rp.example.test/r' })), 'invalid_request_object');
    // An unregistered outer redirect_uri: nothing is redirected, the user sees the error.
    const page = await new Browser().get(outer(c.client, await requestObject(c, {}, { key: other.privateKey }), { redirect_uri: 'https://evil.example.test/cb' }));
    expect(page.status).toBe(400);
  });

  it('enforces the registered request_object_signing_alg', async () => {
    const c = await clientWithKey('ES256', { request_object_signing_alg: 'PS256' });
    await expectRedirectError(outer(c.client, await requestObject(c)), 'invalid_request_object');
  });

  it('accepts a request object at PAR from a private_key_jwt client without a client_id field, and refuses another key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'PS256' };
    const client = await createClient({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
    const c = { client, privateKey, alg: 'PS256' };
    const assertion = () =>
      new SignJWT({}).setProtectedHeader({ alg: 'PS256', kid: 'k1' }).setIssuer(client.client_id).setSubject(client.client_id).setAudience(ISSUER).setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('60s').sign(privateKey);
    const push = async (request: string) =>
      fetchOp('/par', {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ request, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion() }).toString(),
      });
    const ok = await push(await requestObject(c));
    expect(ok.status, await ok.clone().text()).toBe(201);
    const { request_uri } = (await ok.json()) as { request_uri: string };
    const callback = await followInBrowser(new Browser(), `/authorize?${new URLSearchParams({ client_id: client.client_id, request_uri })}`, await createUser());
    expect(callback.searchParams.get('state')).toBe('inner-state');
    const other = await generateKeyPair('PS256');
    await expectError(await push(await requestObject(c, {}, { key: other.privateKey })), 400, 'invalid_request_object');
  });

  it('registration and discovery: request_object_signing_alg is accepted (none refused), request_parameter_supported', async () => {
    const dyn = await registered({ request_object_signing_alg: 'ES256' });
    expect(dyn.request_object_signing_alg).toBe('ES256');
    const { initial_access_token } = await (await import('../registration/local-helpers')).initialAccessToken();
    const none = await (await import('../registration/local-helpers')).register({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], request_object_signing_alg: 'none' }, initial_access_token);
    await expectError(none, 400, 'invalid_client_metadata', /request_object_signing_alg/);
    const meta = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta.request_parameter_supported).toBe(true);
    expect(meta.request_object_signing_alg_values_supported).toEqual(['PS256', 'ES256', 'EdDSA', 'RS256']);
  });
});
