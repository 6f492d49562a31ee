import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, ISSUER, authorizeInBrowser, createClient, createUser, exchangeCode, fetchOp, obtainTokens, pkcePair } from '../helpers';

async function verifyWithJwks(token: string) {
  const jwks = (await (await fetchOp('/jwks')).json()) as { keys: JsonWebKey[] };
  const { kid } = decodeProtectedHeader(token);
  const jwk = jwks.keys.find((k) => (k as { kid?: string }).kid === kid);
  expect(jwk).toBeDefined();
  const key = await crypto.subtle.importKey('jwk', jwk!, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
  return jwtVerify(token, key, { issuer: ISSUER });
}

describe('authorization code flow', () => {
  it('issues a code with state and iss, then tokens whose ID token carries the required claims', async () => {
    const client = await createClient();
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user });
    expect(callback.origin + callback.pathname).toBe('https://rp.example.test/cb');
    expect(callback.searchParams.get('state')).toBe('state-123');
    expect(callback.searchParams.get('iss')).toBe(ISSUER);
    const res = await exchangeCode(client, callback.searchParams.get('code')!);
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeGreaterThan(0);
    expect(body.scope).toBe('openid profile email');

    const { payload, protectedHeader } = await verifyWithJwks(body.id_token as string);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe(user.id);
    expect(payload.aud).toBe(client.client_id);
    expect(payload.azp).toBe(client.client_id);
    expect(payload.nonce).toBe('nonce-456');
    expect(typeof payload.auth_time).toBe('number');
    expect(typeof payload.sid).toBe('string');
    expect(typeof payload.at_hash).toBe('string');
    expect(payload.exp! > payload.iat!).toBe(true);

    const at = decodeProtectedHeader(body.access_token as string);
    expect(at.typ).toBe('at+jwt');
    const atClaims = decodeJwt(body.access_token as string);
    expect(atClaims.client_id).toBe(client.client_id);
    expect(atClaims.jti).toBeTruthy();
  });

  it('gives single sign-on to a second client without a password, with the same sid and auth_time', async () => {
    const user = await createUser();
    const first = await createClient({ first_party: true });
    const second = await createClient({ first_party: true });
    const browser = new Browser();
    const a = await obtainTokens({ client: first, user, browser });
    // A wrong password would fail the flow if the login page were shown again.
    const b = await obtainTokens({ client: second, user: { username: user.username, password: 'wrong-password' }, browser });
    const ia = decodeJwt(a.id_token);
    const ib = decodeJwt(b.id_token);
    expect(ib.sid).toBe(ia.sid);
    expect(ib.auth_time).toBe(ia.auth_time);
    expect(ib.aud).toBe(second.client_id);
  });

  it('remembers consent per user, client and scopes', async () => {
    const user = await createUser();
    const client = await createClient();
    const browser = new Browser();
    await obtainTokens({ client, user, browser });
    const q = new URLSearchParams({ client_id: client.client_id, redirect_uri: client.redirect_uris[0]!, response_type: 'code', scope: 'openid email' });
    const res = await browser.get(`/authorize?${q}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toMatch(/^https:\/\/rp\.example\.test\/cb\?code=/);
    // A scope not yet approved asks again.
    const more = await browser.get(`/authorize?${new URLSearchParams({ client_id: client.client_id, redirect_uri: client.redirect_uris[0]!, response_type: 'code', scope: 'openid phone' })}`);
    expect(more.headers.get('Location')).toMatch(/^\/interaction\//);
  });

  it('runs the public-client flow with PKCE', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none' });
    expect(client.client_secret).toBeUndefined();
    const user = await createUser();
    const { verifier, challenge } = await pkcePair();
    const callback = await authorizeInBrowser({ client, user, codeChallenge: challenge });
    const res = await exchangeCode(client, callback.searchParams.get('code')!, { code_verifier: verifier });
    expect(res.status).toBe(200);
  });

  it('keeps the query of a registered redirect_uri in the callback', async () => {
    const client = await createClient({ redirect_uris: ['https://rp.example.test/cb?tenant=a%20b&x=1'] });
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user });
    expect(callback.href.startsWith('https://rp.example.test/cb?tenant=a%20b&x=1&code=')).toBe(true);
    const res = await exchangeCode(client, callback.searchParams.get('code')!);
    expect(res.status).toBe(200);
  });
});

