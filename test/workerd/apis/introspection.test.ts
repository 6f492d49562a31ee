import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { ADMIN, ISSUER, authorizeInBrowser, basic, createClient, createUser, fetchOp, uniqueIp } from '../helpers';
import { basicAuth, expectError, expectTokens, introspect, postForm, refresh, revoke } from '../tokens/helpers';
import { apiBasic, createApi, introspectAs } from './local-helpers';

async function setup() {
  const a = await createApi();
  const b = await createApi();
  const client = await createClient({
    first_party: true,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    scope: ['openid', 'email', 'offline_access', ...a.scopes, ...b.scopes].join(' '),
  });
  const user = await createUser();
  const tokensFor = async (resource?: string) => {
    const scope = ['openid', 'offline_access', ...a.scopes, ...b.scopes].join(' ');
    const callback = await authorizeInBrowser({ client, user, scope: resource ? scope : 'openid email offline_access', extra: resource ? { resource } : {} });
    return expectTokens(await postForm('/token', { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect_uris[0]! }, basicAuth(client)));
  };
  return { a, b, client, user, tokensFor };
}

/** RFC 7662 by an API with its own credential (issue 13): active only for tokens whose aud includes it. */
describe('introspection by an API', { timeout: 40_000 }, () => {
  it('each API sees only its own tokens; the issuing client still sees them', async () => {
    const { a, b, client, user, tokensFor } = await setup();
    const forA = await tokensFor(a.identifier);
    const mine = (await (await introspectAs(a, forA.access_token)).json()) as Record<string, unknown>;
    expect(mine).toMatchObject({ active: true, aud: a.identifier, client_id: client.client_id, sub: user.id, iss: ISSUER, token_type: 'Bearer' });
    expect(String(mine.scope).split(' ').sort()).toEqual([...a.scopes].sort());
    const res = await introspectAs(b, forA.access_token);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({ active: false });
    // Refresh tokens and userinfo-audience tokens are no API's business.
    expect(await (await introspectAs(a, forA.refresh_token!)).json()).toEqual({ active: false });
    const plain = await tokensFor();
    expect(await (await introspectAs(a, plain.access_token)).json()).toEqual({ active: false });
    expect((await introspect(client, forA.access_token)).active).toBe(true);
    // client_credentials tokens for B: B sees them, A does not.
    const cc = await expectTokens(await postForm('/token', { grant_type: 'client_credentials', resource: b.identifier }, basicAuth(client)));
    expect((await (await introspectAs(b, cc.access_token)).json()) as Record<string, unknown>).toMatchObject({ active: true, aud: b.identifier, sub: client.client_id });
    expect(await (await introspectAs(a, cc.access_token)).json()).toEqual({ active: false });
    // A revoked token is inactive for its API too.
    expect((await revoke(client, forA.access_token)).status).toBe(200);
    expect(await (await introspectAs(a, forA.access_token)).json()).toEqual({ active: false });
  });

  it('a wrong secret, another method, or an API credential at /token or /revoke: invalid_client', async () => {
    const { a, tokensFor } = await setup();
    const forA = await tokensFor(a.identifier);
    const wrong = await introspectAs({ client_id: a.client_id, client_secret: 'x'.repeat(43) }, forA.access_token);
    await expectError(wrong, 'invalid_client', 401);
    expect(wrong.headers.get('WWW-Authenticate')).toContain('Basic');
    const post = await postForm('/introspect', { token: forA.access_token }, { form: { client_id: a.client_id, client_secret: a.client_secret } });
    await expectError(post, 'invalid_client', 401);
    // The credential is for introspection only.
    await expectError(await postForm('/token', { grant_type: 'client_credentials' }, { authorization: apiBasic(a) }), 'invalid_client', 401);
    await expectError(await postForm('/revoke', { token: forA.access_token }, { authorization: apiBasic(a) }), 'invalid_client', 401);
    expect((await introspectAs(a, forA.access_token)).status).toBe(200);
  });
});

/** RFC 7009 §2.1 with REVOKE_GRANT_ON_ACCESS_TOKEN (issue 13). */
describe('revoking an access token', { timeout: 40_000 }, () => {
  const revokeWith = (vars: Record<string, string>, client: { client_id: string; client_secret?: string; redirect_uris: string[] }, token: string, hint?: string) =>
    app.request(
      `${ISSUER}/revoke`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic(client), 'CF-Connecting-IP': uniqueIp() },
        body: new URLSearchParams({ token, ...(hint ? { token_type_hint: hint } : {}) }).toString(),
      },
      { ...env, ...vars },
      createExecutionContext(),
    );

  async function auditOf(subject: string): Promise<{ outcome: string; details: Record<string, unknown> }[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const res = await fetchOp(`/admin/audit?${new URLSearchParams({ type: 'access_token.revoked', subject })}`, { headers: ADMIN });
      const { events } = (await res.json()) as { events: { outcome: string; details: Record<string, unknown> }[] };
      if (events.length > 0 || Date.now() > deadline) return events;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('by default the access token alone: the refresh token still works; recorded', async () => {
    const { tokensFor, client } = await setup();
    const t = await tokensFor();
    expect((await revokeWith({}, client, t.access_token, 'access_token')).status).toBe(200);
    expect((await introspect(client, t.access_token)).active).toBe(false);
    await expectTokens(await refresh(client, t.refresh_token!));
    const jti = String((await import('jose')).decodeJwt(t.access_token).jti);
    const events = await auditOf(jti);
    expect(events[0]).toMatchObject({ outcome: 'revoked', details: { grant_revoked: false } });
  });

  it('REVOKE_GRANT_ON_ACCESS_TOKEN=on with token_type_hint=access_token: the grant and its refresh tokens end; without the hint only the token', async () => {
    const { tokensFor, client } = await setup();
    const noHint = await tokensFor();
    expect((await revokeWith({ REVOKE_GRANT_ON_ACCESS_TOKEN: 'on' }, client, noHint.access_token)).status).toBe(200);
    await expectTokens(await refresh(client, noHint.refresh_token!));

    const t = await tokensFor();
    expect((await revokeWith({ REVOKE_GRANT_ON_ACCESS_TOKEN: 'on' }, client, t.access_token, 'access_token')).status).toBe(200);
    await expectError(await refresh(client, t.refresh_token!), 'invalid_grant');
    const jti = String((await import('jose')).decodeJwt(t.access_token).jti);
    expect((await auditOf(jti))[0]).toMatchObject({ details: { grant_revoked: true } });

    // Another client's token: nothing revoked (RFC 7009 §2.1), still 200.
    const other = await createClient();
    const u = await tokensFor();
    expect((await revokeWith({ REVOKE_GRANT_ON_ACCESS_TOKEN: 'on' }, other, u.access_token, 'access_token')).status).toBe(200);
    await expectTokens(await refresh(client, u.refresh_token!));
  });
});
