import { describe, expect, it } from 'vitest';
import { authorizeInBrowser, basic, createClient, createUser, exchangeCode, fetchOp, type TestClient } from '../helpers';
import { FORM, expectTokenError, postToken } from './local-helpers';

async function freshCode(client: TestClient, extra: Record<string, string> = {}, codeChallenge?: string) {
  const user = await createUser();
  const cb = await authorizeInBrowser({ client, user, extra, codeChallenge });
  return cb.searchParams.get('code')!;
}

const grantBody = (client: TestClient, code: string, extra: Record<string, string> = {}) => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: client.redirect_uris[0]!,
  ...extra,
});

/** RFC 6749 §2.3 and §5.2: client authentication at the token endpoint. */
describe('token: client authentication', () => {
  it('wrong client_secret with Basic -> 401 invalid_client with WWW-Authenticate, and the code is not burned', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const res = await postToken(grantBody(client, code), { headers: { Authorization: basic({ ...client, client_secret: `${client.client_secret}x` }) } });
    await expectTokenError(res, 'invalid_client', 401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Basic /i);
    expect((await exchangeCode(client, code)).status).toBe(200);
  });

  it('malformed Basic headers -> 401 invalid_client with WWW-Authenticate', async () => {
    const client = await createClient({ first_party: true });
    for (const header of ['Basic', 'Basic !!!notbase64', `Basic ${btoa('no-colon-here')}`, `Basic ${btoa('%zz:secret')}`, `Basic ${btoa(':')}`]) {
      const res = await postToken(grantBody(client, 'x'), { headers: { Authorization: header } });
      await expectTokenError(res, 'invalid_client', 401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Basic /i);
    }
  });

  it('unknown client with Basic -> 401 invalid_client, same description as a wrong secret', async () => {
    const client = await createClient({ first_party: true });
    const unknown = await postToken(grantBody(client, 'x'), { headers: { Authorization: basic({ ...client, client_id: 'no-such-client' }) } });
    const a = await expectTokenError(unknown, 'invalid_client', 401);
    expect(unknown.headers.get('WWW-Authenticate')).toMatch(/^Basic /i);
    const wrong = await postToken(grantBody(client, 'x'), { headers: { Authorization: basic({ ...client, client_secret: 'wrong' }) } });
    const b = await expectTokenError(wrong, 'invalid_client', 401);
    expect(a.error_description).toBe(b.error_description);
  });

  it('unknown client with client_secret_post, and with client_id alone -> invalid_client', async () => {
    const client = await createClient();
    await expectTokenError(await postToken({ ...grantBody(client, 'x'), client_id: 'no-such-client', client_secret: 'whatever' }), 'invalid_client', 401);
    await expectTokenError(await postToken({ ...grantBody(client, 'x'), client_id: 'no-such-client' }), 'invalid_client', 401);
  });

  it('no client authentication at all -> invalid_client', async () => {
    const client = await createClient();
    await expectTokenError(await postToken(grantBody(client, 'x')), 'invalid_client', 401);
  });

  it('client_secret_post: the right secret works, a wrong secret -> invalid_client', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'client_secret_post', first_party: true });
    const code = await freshCode(client);
    const wrong = await postToken({ ...grantBody(client, code), client_id: client.client_id, client_secret: 'wrong-secret' });
    const status = wrong.status;
    expect([400, 401]).toContain(status);
    await expectTokenError(wrong, 'invalid_client', status);
    const missing = await postToken({ ...grantBody(client, code), client_id: client.client_id });
    await expectTokenError(missing, 'invalid_client', missing.status);
    const ok = await postToken({ ...grantBody(client, code), client_id: client.client_id, client_secret: client.client_secret! });
    expect(ok.status).toBe(200);
  });

  it('client_secret_post for a client registered for client_secret_basic -> invalid_client', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const res = await postToken({ ...grantBody(client, code), client_id: client.client_id, client_secret: client.client_secret! });
    await expectTokenError(res, 'invalid_client', res.status);
    expect([400, 401]).toContain(res.status);
    // The code survives a refused client authentication.
    expect((await exchangeCode(client, code)).status).toBe(200);
  });

  it('client_secret_basic for a client registered for client_secret_post -> 401 invalid_client', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'client_secret_post' });
    const res = await postToken(grantBody(client, 'x'), { client });
    await expectTokenError(res, 'invalid_client', 401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Basic /i);
  });

  it('a confidential client presenting only its client_id (auth method none) -> invalid_client', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    await expectTokenError(await postToken({ ...grantBody(client, code), client_id: client.client_id }), 'invalid_client', 401);
  });

  it('a public client presenting a secret -> invalid_client', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none' });
    await expectTokenError(await postToken({ ...grantBody(client, 'x'), client_id: client.client_id, client_secret: 'anything' }), 'invalid_client', 401);
  });

  it('Basic and client_secret in the body together -> invalid_request (RFC 6749 §2.3)', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const res = await postToken({ ...grantBody(client, code), client_secret: client.client_secret! }, { client });
    await expectTokenError(res, 'invalid_request', 400);
    expect((await exchangeCode(client, code)).status).toBe(200);
  });

  it('Basic with a different client_id in the body -> invalid_request', async () => {
    const client = await createClient();
    const other = await createClient();
    await expectTokenError(await postToken({ ...grantBody(client, 'x'), client_id: other.client_id }, { client }), 'invalid_request', 400);
  });

  it('accepts Basic with the scheme in any case and form-urlencoded credentials', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const res = await postToken(grantBody(client, code), { headers: { Authorization: basic(client).replace(/^Basic/, 'bAsIc') } });
    expect(res.status).toBe(200);
  });

  it('never lets a failed client authentication reach the grant (no tokens, no code consumption)', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    for (let i = 0; i < 3; i++) {
      await expectTokenError(await postToken(grantBody(client, code), { headers: { Authorization: basic({ ...client, client_secret: `bad${i}` }) } }), 'invalid_client', 401);
    }
    const ok = await exchangeCode(client, code);
    expect(ok.status).toBe(200);
  });

  it('refuses a secret longer than any real one without an error', async () => {
    const client = await createClient();
    const res = await fetchOp('/token', {
      method: 'POST',
      headers: { ...FORM, Authorization: basic({ ...client, client_secret: 'x'.repeat(5000) }) },
      body: new URLSearchParams(grantBody(client, 'x')).toString(),
    });
    await expectTokenError(res, 'invalid_client', 401);
  });
});
