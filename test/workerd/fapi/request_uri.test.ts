// Request objects by reference outside PAR (OIDC Core §6.2, RFC 9101 §5.2) and the opt-in for
// unsigned (alg none) request objects (REQUEST_OBJECT_NONE). The successful fetch of a registered
// request_uri needs a server to fetch from: test/e2e/request_uri.test.ts runs one.
import { describe, expect, it } from 'vitest';
import { cacheSeconds } from '../../../src/authorize/request_uri';
import { ADMIN, Browser, ISSUER, createClient, fetchOp, type TestClient } from '../helpers';
import { expectError, fetchWith, initialAccessToken } from '../registration/local-helpers';

const REQUEST_URI = 'https://rp.example.test/requests/r1.jwt';

const byReference = (client: TestClient, requestUri: string, extra: Record<string, string> = {}) =>
  `/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', scope: 'openid', redirect_uri: client.redirect_uris[0]!, state: 'outer-state', request_uri: requestUri, ...extra })}`;

/** The error redirected back to the client's registered redirect_uri, with the outer state. */
function expectRedirectError(res: Response, error: string, description?: RegExp): URL {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('Location')!);
  expect(location.origin + location.pathname).toBe('https://rp.example.test/cb');
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe('outer-state');
  expect(location.searchParams.get('code')).toBeNull();
  if (description) expect(location.searchParams.get('error_description')).toMatch(description);
  return location;
}

const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const now = () => Math.floor(Date.now() / 1000);
/** An unsigned request object (alg none, empty signature). */
const unsigned = (client: TestClient, claims: Record<string, unknown> = {}) =>
  `${b64({ alg: 'none' })}.${b64({ iss: client.client_id, aud: ISSUER, exp: now() + 300, client_id: client.client_id, response_type: 'code', redirect_uri: client.redirect_uris[0], scope: 'openid', state: 'inner-state', ...claims })}.`;
const byValue = (client: TestClient, request: string) =>
  `${ISSUER}/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', scope: 'openid', redirect_uri: client.redirect_uris[0]!, state: 'outer-state', request })}`;

describe('request_uri outside PAR (OIDC Core §6.2, RFC 9101 §5.2)', () => {
  it('refuses a request_uri the client did not register: invalid_request_uri, back at the client, nothing fetched', async () => {
    const client = await createClient({ request_uris: [REQUEST_URI] });
    const res = await new Browser().get(byReference(client, 'https://rp.example.test/requests/other.jwt'));
    expectRedirectError(res, 'invalid_request_uri', /not one this client registered/);
    // A client with no request_uris at all: the same.
    const none = await createClient();
    expectRedirectError(await new Browser().get(byReference(none, REQUEST_URI)), 'invalid_request_uri');
  });

  it('refuses a request_uri that is not https, even one the operator registered on loopback', async () => {
    const client = await createClient({ request_uris: ['http://127.0.0.1:9/r.jwt'] });
    expectRedirectError(await new Browser().get(byReference(client, 'http://127.0.0.1:9/r.jwt')), 'invalid_request_uri', /must use https/);
    expectRedirectError(await new Browser().get(byReference(client, 'http://rp.example.test/r.jwt')), 'invalid_request_uri', /must use https/);
  });

  it('never fetches from a private or loopback address, even a registered https one (SSRF guard)', async () => {
    const client = await createClient({ request_uris: ['https://127.0.0.1/r.jwt', 'https://10.0.0.7/r.jwt'] });
    for (const uri of ['https://127.0.0.1/r.jwt', 'https://10.0.0.7/r.jwt']) {
      expectRedirectError(await new Browser().get(byReference(client, uri)), 'invalid_request_uri', /must be a public address/);
    }
  });

  it('refuses request and request_uri together (OIDC Core §6); without a trusted redirect_uri the user sees the error', async () => {
    const client = await createClient({ request_uris: [REQUEST_URI] });
    expectRedirectError(await new Browser().get(byReference(client, REQUEST_URI, { request: 'a.b.c' })), 'invalid_request');
    const page = await new Browser().get(byReference(client, 'https://rp.example.test/nope.jwt', { redirect_uri: 'https://evil.example.test/cb' }));
    expect(page.status).toBe(400);
    expect(page.headers.get('Location')).toBeNull();
  });

  it('request_uris: admin API and registration store https URIs and echo them; others are refused', async () => {
    const created = await createClient({ request_uris: [REQUEST_URI] });
    const shown = (await (await fetchOp(`/admin/clients/${created.client_id}`, { headers: ADMIN })).json()) as Record<string, unknown>;
    expect(shown.request_uris).toEqual([REQUEST_URI]);
    const bad = await fetchOp('/admin/clients', { method: 'POST', headers: ADMIN, body: JSON.stringify({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], request_uris: ['http://rp.example.test/r'] }) });
    await expectError(bad, 400, 'invalid_request', /must use https/);
    const cleared = await fetchOp(`/admin/clients/${created.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ request_uris: null }) });
    expect(cleared.status, await cleared.clone().text()).toBe(200);
    expect(((await cleared.json()) as Record<string, unknown>).request_uris).toBeUndefined();
  });

  it('caches a fetched object only as its Cache-Control allows, at most 5 minutes', () => {
    expect(cacheSeconds(null)).toBe(0);
    expect(cacheSeconds('max-age=60')).toBe(60);
    expect(cacheSeconds('public, max-age=86400')).toBe(300);
    expect(cacheSeconds('no-store, max-age=60')).toBe(0);
    expect(cacheSeconds('no-cache')).toBe(0);
    expect(cacheSeconds('max-age=abc')).toBe(0);
  });
});

describe('unsigned request objects: REQUEST_OBJECT_NONE opt-in', () => {
  it('refused while the deployment setting is off, even for a client that registered none', async () => {
    const client = await createClient({ request_object_signing_alg: 'none' });
    const res = await new Browser().get(byValue(client, unsigned(client)).slice(ISSUER.length));
    expectRedirectError(res, 'invalid_request_object');
  });

  it('accepted with REQUEST_OBJECT_NONE=on for a client that registered none; the inner parameters win', async () => {
    const client = await createClient({ request_object_signing_alg: 'none' });
    const res = await fetchWith({ REQUEST_OBJECT_NONE: 'on' }, byValue(client, unsigned(client)), { headers: { 'CF-Connecting-IP': '10.251.0.1' } });
    expect(res.status, await res.clone().text()).toBe(302);
    expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
    // Still checked: an expired unsigned object, or one for another audience, is refused.
    const expired = await fetchWith({ REQUEST_OBJECT_NONE: 'on' }, byValue(client, unsigned(client, { exp: now() - 600 })), { headers: { 'CF-Connecting-IP': '10.251.0.2' } });
    expectRedirectError(expired, 'invalid_request_object');
    const elsewhere = await fetchWith({ REQUEST_OBJECT_NONE: 'on' }, byValue(client, unsigned(client, { aud: 'https://other.example.test' })), { headers: { 'CF-Connecting-IP': '10.251.0.3' } });
    expectRedirectError(elsewhere, 'invalid_request_object');
  });

  it('refused with REQUEST_OBJECT_NONE=on for a client that did not register none', async () => {
    const client = await createClient();
    const res = await fetchWith({ REQUEST_OBJECT_NONE: 'on' }, byValue(client, unsigned(client)), { headers: { 'CF-Connecting-IP': '10.251.0.4' } });
    expectRedirectError(res, 'invalid_request_object');
  });

  it('registration accepts request_object_signing_alg none only with the setting on; discovery lists none only then', async () => {
    const register = async (vars: Record<string, string>) => {
      const { initial_access_token } = await initialAccessToken();
      return fetchWith(vars, `${ISSUER}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${initial_access_token}`, 'CF-Connecting-IP': '10.251.0.5' },
        body: JSON.stringify({ client_name: 'Unsigned', redirect_uris: ['https://rp.example.test/cb'], request_object_signing_alg: 'none' }),
      });
    };
    await expectError(await register({}), 400, 'invalid_client_metadata', /request_object_signing_alg/);
    const ok = await register({ REQUEST_OBJECT_NONE: 'on' });
    expect(ok.status, await ok.clone().text()).toBe(201);
    expect(((await ok.json()) as Record<string, unknown>).request_object_signing_alg).toBe('none');

    const off = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, string[]>;
    expect(off.request_object_signing_alg_values_supported).not.toContain('none');
    const on = (await (await fetchWith({ REQUEST_OBJECT_NONE: 'on', ISSUER: 'https://none-allowed.example.test' }, 'https://none-allowed.example.test/.well-known/openid-configuration')).json()) as Record<string, string[]>;
    expect(on.request_object_signing_alg_values_supported).toContain('none');
  });
});
