import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN, authorizeInBrowser, createClient, createUser, env, fetchOp } from '../helpers';
import { idTokenClaimsPolicy, scopeClaimsInIdToken } from '../../../src/grants/issue_tokens';
import { codeFlow, expectError, expectTokens, refresh, refreshClient } from './helpers';
import { initialAccessToken, register, registered } from '../registration/local-helpers';

/** Issue 13: per-client ID token claims (OIDC Core §5.4), `scope` by default, `minimal` on request. */
describe('id_token_claims', { timeout: 30_000 }, () => {
  it('scope (the default): the code flow and each refresh put the granted scopes\' claims in the ID token', async () => {
    const client = await refreshClient();
    const { user, tokens } = await codeFlow(client, { scope: 'openid profile email offline_access' });
    const id = decodeJwt(tokens.id_token!);
    expect(id).toMatchObject({ sub: user.id, email: `${user.username}@example.test`, email_verified: false, given_name: 'Ada', family_name: 'Lovelace' });
    expect(typeof id.updated_at).toBe('number');
    const refreshed = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect(decodeJwt(refreshed.id_token!)).toMatchObject({ sub: user.id, email: `${user.username}@example.test`, given_name: 'Ada' });
    // A narrowed refresh narrows the claims with the scope.
    const narrowed = await expectTokens(await refresh(client, refreshed.refresh_token!, { scope: 'openid email' }));
    const n = decodeJwt(narrowed.id_token!);
    expect(n.email).toBe(`${user.username}@example.test`);
    expect(n).not.toHaveProperty('given_name');
  });

  it('only the granted scopes: openid email gives no profile claims', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client, { scope: 'openid email' });
    const id = decodeJwt(tokens.id_token!);
    expect(id).toHaveProperty('email');
    expect(id).not.toHaveProperty('given_name');
    expect(id).not.toHaveProperty('updated_at');
  });

  it('minimal: no scope claims in the code flow\'s or the refresh\'s ID token; userinfo still has them', async () => {
    const client = await refreshClient({ id_token_claims: 'minimal' });
    const { user, tokens } = await codeFlow(client, { scope: 'openid profile email offline_access' });
    const id = decodeJwt(tokens.id_token!);
    expect(id.sub).toBe(user.id);
    for (const name of ['email', 'given_name', 'family_name', 'updated_at']) expect(id).not.toHaveProperty(name);
    const refreshed = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect(decodeJwt(refreshed.id_token!)).not.toHaveProperty('email');
    const info = (await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${refreshed.access_token}` } })).json()) as Record<string, unknown>;
    expect(info.email).toBe(`${user.username}@example.test`);
  });

  it('hybrid code id_token token: the front-channel ID token follows the policy too', async () => {
    const user = await createUser();
    for (const [policy, expected] of [['scope', true], ['minimal', false]] as const) {
      const client = await createClient({ response_types: ['code id_token token'], id_token_claims: policy, first_party: true });
      const callback = await authorizeInBrowser({ client, user, extra: { response_type: 'code id_token token' } });
      const id = decodeJwt(new URLSearchParams(callback.hash.slice(1)).get('id_token')!);
      expect('email' in id, policy).toBe(expected);
    }
    // Without an access token in the response, the claims go in the ID token whatever the policy (§5.4).
    const client = await createClient({ response_types: ['id_token'], id_token_claims: 'minimal', first_party: true });
    const callback = await authorizeInBrowser({ client, user, extra: { response_type: 'id_token' } });
    expect(decodeJwt(new URLSearchParams(callback.hash.slice(1)).get('id_token')!).email).toBe(`${user.username}@example.test`);
  });

  it('admin API: shown, changed, reset with null; anything else is invalid_request', async () => {
    const client = await createClient({ id_token_claims: 'minimal' });
    const show = async () => (await (await fetchOp(`/admin/clients/${client.client_id}`, { headers: ADMIN })).json()) as Record<string, unknown>;
    expect((await show()).id_token_claims).toBe('minimal');
    const patch = (body: unknown) => fetchOp(`/admin/clients/${client.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify(body) });
    expect((await patch({ id_token_claims: 'scope' })).status).toBe(200);
    expect((await show()).id_token_claims).toBe('scope');
    expect((await patch({ id_token_claims: null })).status).toBe(200);
    expect(await show()).not.toHaveProperty('id_token_claims');
    await expectError(await patch({ id_token_claims: 'all' }), 'invalid_request');
    await expectError(
      await fetchOp('/admin/clients', { method: 'POST', headers: ADMIN, body: JSON.stringify({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], id_token_claims: 1 }) }),
      'invalid_request',
    );
  });

  it('dynamic registration: id_token_claims is registered and echoed; a wrong value is invalid_client_metadata', async () => {
    const c = await registered({ id_token_claims: 'minimal' });
    expect(c.id_token_claims).toBe('minimal');
    const { initial_access_token } = await initialAccessToken();
    const res = await register({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], id_token_claims: 'everything' }, initial_access_token);
    await expectError(res, 'invalid_client_metadata');
  });

  it('the deployment default applies to clients that set none (ID_TOKEN_CLAIMS)', () => {
    expect(idTokenClaimsPolicy(env, { idTokenClaims: null })).toBe('scope');
    const minimalEnv = { ...env, ID_TOKEN_CLAIMS: 'minimal' } as typeof env;
    expect(idTokenClaimsPolicy(minimalEnv, { idTokenClaims: null })).toBe('minimal');
    expect(idTokenClaimsPolicy(minimalEnv, { idTokenClaims: 'scope' })).toBe('scope');
    expect(scopeClaimsInIdToken(minimalEnv, { idTokenClaims: null }, true)).toBe(false);
    expect(scopeClaimsInIdToken(minimalEnv, { idTokenClaims: null }, false)).toBe(true);
    expect(() => idTokenClaimsPolicy({ ...env, ID_TOKEN_CLAIMS: 'everything' } as typeof env, { idTokenClaims: null })).toThrow(/ID_TOKEN_CLAIMS/);
  });
});
