// Issue 9 (Low): grant_types is enforced for the authorization code grant. A client registered for
// client_credentials only must get neither a code at /authorize nor tokens at /token.
import { describe, expect, it } from 'vitest';
import { ADMIN, basic, createClient, createUser, exchangeCode, fetchOp, obtainTokens, authorizeInBrowser } from '../helpers';
import { registered } from '../registration/local-helpers';
import { authorizeQuery, expectErrorRedirect, REDIRECT } from './local-helpers';

describe('grant_types enforced for the authorization code grant', () => {
  it('an admin-made client_credentials-only client with a redirect URI gets unauthorized_client at /authorize, redirected', async () => {
    const client = await createClient({ grant_types: ['client_credentials'], redirect_uris: [REDIRECT] });
    const res = await fetchOp(`/authorize?${authorizeQuery(client)}`);
    // RFC 6749 §4.1.2.1: the redirect URI is registered, so the error goes back to it.
    expectErrorRedirect(res, 'unauthorized_client');
  });

  it('a dynamically registered client_credentials-only client gets unauthorized_client at /authorize', async () => {
    const client = await registered({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [REDIRECT] });
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client)}`), 'unauthorized_client');
    // It can still use the grant it registered for.
    const cc = await fetchOp('/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic(client) },
      body: 'grant_type=client_credentials',
    });
    expect(cc.status).toBe(200);
  }, 20_000);

  it('a code held by a client that lost authorization_code is refused at /token with unauthorized_client (RFC 6749 §5.2)', async () => {
    const client = await createClient({ grant_types: ['authorization_code', 'client_credentials'], redirect_uris: [REDIRECT] });
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user });
    const code = callback.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const patched = await fetchOp(`/admin/clients/${client.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ grant_types: ['client_credentials'] }) });
    expect(patched.status).toBe(200);
    const res = await exchangeCode(client, code);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; id_token?: string };
    expect(body.error).toBe('unauthorized_client');
    expect(body.id_token).toBeUndefined();
  });

  it('a client allowed authorization_code still completes the flow', async () => {
    const client = await createClient();
    const tokens = await obtainTokens({ client, user: await createUser() });
    expect(tokens.id_token).toBeTruthy();
  });
});
