import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { checkPushed } from '../../../src/authorize/check_pushed';
import { newAuthorizeContext } from '../../../src/authorize/validate';
import { DEFAULT_FIELDS } from '../../../src/clients/model';
import { settings } from '../../../src/settings';
import type { Client } from '../../../src/storage/clients';
import { ADMIN, Browser, ISSUER, createClient, createUser, csrfOf, env, exchangeCode, fetchOp, pkcePair } from '../helpers';
import { expectError, fetchWith, registered } from '../registration/local-helpers';
import { FORM, authParams, followInBrowser, pushRequest, pushed } from './local-helpers';

const authorizeUrl = (clientId: string, requestUri: string, extra: Record<string, string> = {}) =>
  `/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri, ...extra })}`;

describe('pushed authorization requests (RFC 9126)', () => {
  it('answers 201 with a one-time request_uri, and /authorize then uses exactly the pushed parameters', async () => {
    const client = await createClient();
    const user = await createUser();
    const res = await pushRequest(client, authParams(client));
    expect(res.status).toBe(201);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const body = (await res.json()) as { request_uri: string; expires_in: number };
    expect(body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    expect(body.expires_in).toBe(60);
    // Front-channel parameters besides client_id and request_uri are not the request: the pushed ones are.
    const callback = await followInBrowser(new Browser(), authorizeUrl(client.client_id, body.request_uri, { nonce: 'outside', state: 'outside', scope: 'openid email' }), user);
    expect(callback.searchParams.get('state')).toBe('state-par');
    expect(callback.searchParams.get('iss')).toBe(ISSUER);
    const tokens = await exchangeCode(client, callback.searchParams.get('code')!);
    expect(tokens.status).toBe(200);
    const { id_token, scope } = (await tokens.json()) as { id_token: string; scope: string };
    expect(decodeJwt(id_token).nonce).toBe('nonce-par');
    expect(scope).toBe('openid profile');
  });

  it('refuses a reused request_uri (error page, nothing redirected)', async () => {
    const client = await createClient();
    const user = await createUser();
    const requestUri = await pushed(client, authParams(client));
    const browser = new Browser();
    await followInBrowser(browser, authorizeUrl(client.client_id, requestUri), user);
    const again = await browser.get(authorizeUrl(client.client_id, requestUri));
    expect(again.status).toBe(400);
    expect(again.headers.get('Location')).toBeNull();
    expect(await again.text()).toContain('request_uri is unknown, expired or already used');
  });

  it('opens the sign-in again with the same request_uri until a response is issued; then exactly one authorization completes (RFC 9126 §7.3)', async () => {
    const client = await createClient();
    const user = await createUser();
    const requestUri = await pushed(client, authParams(client));
    const url = authorizeUrl(client.client_id, requestUri);
    // Two loads before anyone signs in (the conformance suite's "reused request_uri prior to auth
    // completion", or a second tab): both open a sign-in; a reload of a sign-in page works too.
    const [first, second] = [new Browser(), new Browser()];
    const [a, b] = await Promise.all([first.get(url), second.get(url)]);
    expect(a.status).toBe(302);
    expect(b.status).toBe(302);
    const pageB = b.headers.get('Location')!;
    expect(pageB).toMatch(/^\/interaction\//);
    expect((await second.get(pageB)).status).toBe(200);
    expect((await second.get(pageB)).status).toBe(200);
    // The first browser completes: its code is issued and the pushed request is used up then.
    const callback = await followInBrowser(first, url, user);
    expect(callback.searchParams.get('code')).toBeTruthy();
    // The second browser signs in afterwards: its authorization ends at the client with invalid_request_uri, no code.
    let res = await second.get(pageB);
    res = await second.post(`${pageB}/login`, { csrf: csrfOf(await res.text()), username: user.username, password: user.password });
    for (let i = 0; i < 3 && (res.headers.get('Location') ?? '').startsWith('/interaction/'); i++) {
      const page = await second.get(res.headers.get('Location')!);
      res = await second.post(`${pageB}/consent`, { csrf: csrfOf(await page.text()), decision: 'allow' });
    }
    const refused = new URL(res.headers.get('Location')!);
    expect(refused.origin + refused.pathname).toBe(client.redirect_uris[0]);
    expect(refused.searchParams.get('error')).toBe('invalid_request_uri');
    expect(refused.searchParams.get('state')).toBe('state-par');
    expect(refused.searchParams.get('code')).toBeNull();
    // And a separate, later authorization with it is refused at once.
    const later = await new Browser().get(url);
    expect(later.status).toBe(400);
    expect(await later.text()).toContain('request_uri is unknown, expired or already used');
  });

  it('uses the request_uri up when the authorization ends with an error (the user denies)', async () => {
    const client = await createClient();
    const user = await createUser();
    const requestUri = await pushed(client, authParams(client));
    const url = authorizeUrl(client.client_id, requestUri);
    const browser = new Browser();
    const page = (await browser.get(url)).headers.get('Location')!;
    let res = await browser.get(page);
    res = await browser.post(`${page}/login`, { csrf: csrfOf(await res.text()), username: user.username, password: user.password });
    res = await browser.get(res.headers.get('Location')!);
    res = await browser.post(`${page}/consent`, { csrf: csrfOf(await res.text()), decision: 'deny' });
    expect(new URL(res.headers.get('Location')!).searchParams.get('error')).toBe('access_denied');
    // Used up after the response (in the background): poll the real table briefly.
    for (let i = 0; i < 20; i++) {
      const { n } = (await env.DB.prepare('SELECT COUNT(*) AS n FROM pushed_requests WHERE client_id = ?').bind(client.client_id).first<{ n: number }>())!;
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const again = await new Browser().get(url);
    expect(again.status).toBe(400);
  });

  it('refuses an expired request_uri', async () => {
    const client = await createClient();
    const requestUri = await pushed(client, authParams(client));
    // The 60 s are over: the row's expiry moved into the past (the real table, as the clock would).
    await env.DB.prepare('UPDATE pushed_requests SET expires_at = expires_at - 61 WHERE client_id = ?').bind(client.client_id).run();
    const res = await new Browser().get(authorizeUrl(client.client_id, requestUri));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('request_uri is unknown, expired or already used');
  });

  it("refuses another client's request_uri, which stays usable by its own client", async () => {
    const owner = await createClient();
    const other = await createClient();
    const requestUri = await pushed(owner, authParams(owner));
    const stolen = await new Browser().get(authorizeUrl(other.client_id, requestUri));
    expect(stolen.status).toBe(400);
    expect(stolen.headers.get('Location')).toBeNull();
    const own = await new Browser().get(authorizeUrl(owner.client_id, requestUri));
    expect(own.status).toBe(302);
  });

  it('refuses a request_uri that this server never issued', async () => {
    const client = await createClient();
    const res = await new Browser().get(authorizeUrl(client.client_id, `urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}`));
    expect(res.status).toBe(400);
  });

  it('validates the pushed request with the checks of /authorize, answering JSON', async () => {
    const client = await createClient();
    await expectError(await pushRequest(client, authParams(client, { redirect_uri: 'https://evil.example.test/cb' })), 400, 'invalid_request', /redirect_uri/);
    const noRedirect = authParams(client);
    delete noRedirect.redirect_uri;
    await expectError(await pushRequest(client, noRedirect), 400, 'invalid_request', /redirect_uri/);
    // A response type the client did not register (issue 13), and one no client can register.
    await expectError(await pushRequest(client, authParams(client, { response_type: 'token' })), 400, 'unauthorized_client');
    await expectError(await pushRequest(client, authParams(client, { response_type: 'bogus' })), 400, 'unsupported_response_type');
    await expectError(await pushRequest(client, authParams(client, { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' })), 400, 'invalid_request', /S256/);
    await expectError(await pushRequest(client, authParams(client, { prompt: 'none login' })), 400, 'invalid_request', /prompt/);
    // RFC 9126 §2.1: request_uri MUST NOT be pushed.
    await expectError(await pushRequest(client, authParams(client, { request_uri: 'urn:ietf:params:oauth:request_uri:abc' })), 400, 'invalid_request', /request_uri/);
    // Nothing was stored by the refused pushes.
    const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM pushed_requests WHERE client_id = ?').bind(client.client_id).first<{ n: number }>();
    expect(row!.n).toBe(0);
  });

  it('authenticates the client as the token endpoint does', async () => {
    const client = await createClient();
    const anonymous = await fetchOp('/par', { method: 'POST', headers: FORM, body: new URLSearchParams(authParams(client)).toString() });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe('invalid_client');
    const wrong = await pushRequest(client, authParams(client), { Authorization: `Basic ${btoa(`${client.client_id}:wrong`)}` });
    expect(wrong.status).toBe(401);
    // Public clients push with client_id alone (and PKCE).
    const pub = await createClient({ token_endpoint_auth_method: 'none' });
    const { challenge } = await pkcePair();
    const res = await fetchOp('/par', { method: 'POST', headers: FORM, body: new URLSearchParams(authParams(pub, { code_challenge: challenge, code_challenge_method: 'S256' })).toString() });
    expect(res.status).toBe(201);
    const get = await fetchOp('/par');
    expect(get.status).toBe(405);
  });

  it('requires PAR of a client registered with require_pushed_authorization_requests', async () => {
    const client = await createClient({ require_pushed_authorization_requests: true });
    const user = await createUser();
    const direct = await new Browser().get(`/authorize?${new URLSearchParams(authParams(client))}`);
    expect(direct.status).toBe(302);
    const location = new URL(direct.headers.get('Location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/push/);
    expect(location.searchParams.get('code')).toBeNull();
    const callback = await followInBrowser(new Browser(), authorizeUrl(client.client_id, await pushed(client, authParams(client))), user);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('requires PAR of every client with REQUIRE_PAR=on, and says so in discovery', async () => {
    const ctx = (client: Partial<Client>, pushedReq: boolean, everywhere: boolean) => {
      const c = newAuthorizeContext(new Map(), { pushed: pushedReq, requireParEverywhere: everywhere });
      c.client = { ...DEFAULT_FIELDS, ...client } as Client;
      return c;
    };
    expect(() => checkPushed(ctx({}, false, true))).toThrow(/push/);
    expect(() => checkPushed(ctx({}, true, true))).not.toThrow();
    expect(() => checkPushed(ctx({}, false, false))).not.toThrow();
    expect(settings({ ...env, REQUIRE_PAR: 'on' }).requirePar).toBe(true);
    expect(settings({ ...env }).requirePar).toBe(false);
    expect(() => settings({ ...env, REQUIRE_PAR: 'yes' })).toThrow(/REQUIRE_PAR/);

    const client = await createClient();
    const direct = await fetchWith({ REQUIRE_PAR: 'on' }, `${ISSUER}/authorize?${new URLSearchParams(authParams(client))}`, { headers: { 'CF-Connecting-IP': '10.250.0.1' } });
    expect(new URL(direct.headers.get('Location')!).searchParams.get('error')).toBe('invalid_request');
    const meta = (await (await fetchWith({ REQUIRE_PAR: 'on', ISSUER: 'https://par-required.example.test' }, 'https://par-required.example.test/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta.require_pushed_authorization_requests).toBe(true);
    const normal = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(normal.pushed_authorization_request_endpoint).toBe(`${ISSUER}/par`);
    expect(normal.require_pushed_authorization_requests).toBe(false);
  });

  it('takes require_pushed_authorization_requests from the admin API and dynamic registration', async () => {
    const created = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ client_name: 'PAR app', redirect_uris: ['https://rp.example.test/cb'], require_pushed_authorization_requests: true }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as Record<string, unknown>).require_pushed_authorization_requests).toBe(true);
    const bad = await fetchOp('/admin/clients', { method: 'POST', headers: ADMIN, body: JSON.stringify({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], require_pushed_authorization_requests: 'yes' }) });
    expect(bad.status).toBe(400);
    const dyn = await registered({ require_pushed_authorization_requests: true });
    expect(dyn.require_pushed_authorization_requests).toBe(true);
    const direct = await new Browser().get(`/authorize?${new URLSearchParams(authParams(dyn as never))}`);
    expect(new URL(direct.headers.get('Location')!).searchParams.get('error')).toBe('invalid_request');
  });
});
