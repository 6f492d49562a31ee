import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN, Browser, authorizeInBrowser, createClient, createUser, exchangeCode, fetchOp, basic } from '../helpers';
import { authorizeQuery, expectErrorRedirect } from './local-helpers';

/** Issue 13: a request without `openid` is a plain OAuth 2.0 authorization. */
describe('OAuth 2.0 without openid', () => {
  it('consent as usual, an access token, no ID token; userinfo refuses it with insufficient_scope', async () => {
    const client = await createClient();
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user, scope: 'profile email', extra: { nonce: '' } });
    const res = await exchangeCode(client, callback.searchParams.get('code')!);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body.id_token).toBeUndefined();
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('profile email');
    expect(decodeJwt(body.access_token!).scope).toBe('profile email');
    const info = await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${body.access_token}` } });
    expect(info.status).toBe(403);
    expect(((await info.json()) as { error: string }).error).toBe('insufficient_scope');
    expect(info.headers.get('WWW-Authenticate')).toContain('error="insufficient_scope"');
  });

  it('needs no nonce and shows the consent page for a third-party client', async () => {
    const client = await createClient();
    const browser = new Browser();
    const res = await browser.get(`/authorize?${authorizeQuery(client, { scope: 'email', nonce: null })}`);
    expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
  });

  it('an id_token response type needs openid', async () => {
    const client = await createClient({ response_types: ['code id_token'] });
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { response_type: 'code id_token', scope: 'email' })}`);
    expect(new URLSearchParams(new URL(res.headers.get('Location')!).hash.slice(1)).get('error')).toBe('invalid_scope');
  });

  it('default scopes apply when scope is omitted; without them the request is invalid_scope', async () => {
    const withDefault = await createClient({ default_scope: 'openid email', first_party: true });
    const user = await createUser();
    const callback = await authorizeInBrowser({ client: withDefault, user, extra: { scope: '' } });
    const body = (await (await exchangeCode(withDefault, callback.searchParams.get('code')!)).json()) as Record<string, string>;
    expect(body.scope).toBe('openid email');
    expect(body.id_token).toBeTruthy();
    const without = await createClient();
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(without, { scope: null })}`), 'invalid_scope');
    const shown = (await (await fetchOp(`/admin/clients/${withDefault.client_id}`, { headers: ADMIN })).json()) as Record<string, unknown>;
    expect(shown.default_scope).toBe('openid email');
  });

  it('refresh_policy always: a confidential client gets a refresh token without offline_access; the default does not', async () => {
    const user = await createUser();
    const always = await createClient({ grant_types: ['authorization_code', 'refresh_token'], refresh_policy: 'always', first_party: true });
    const a = (await (await exchangeCode(always, (await authorizeInBrowser({ client: always, user, scope: 'profile' })).searchParams.get('code')!)).json()) as Record<string, string>;
    expect(a.refresh_token).toBeTruthy();
    const refreshed = await fetchOp('/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic(always) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: a.refresh_token! }).toString(),
    });
    expect(refreshed.status).toBe(200);
    const byDefault = await createClient({ grant_types: ['authorization_code', 'refresh_token'], first_party: true });
    const b = (await (await exchangeCode(byDefault, (await authorizeInBrowser({ client: byDefault, user, scope: 'openid profile' })).searchParams.get('code')!)).json()) as Record<string, string>;
    expect(b.refresh_token).toBeUndefined();
    const publicAlways = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], refresh_policy: 'always' }),
    });
    expect(publicAlways.status).toBe(400);
  });
});
