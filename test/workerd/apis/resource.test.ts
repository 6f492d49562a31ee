import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, ISSUER, authorizeInBrowser, createClient, createUser, fetchOp, followAuthorization } from '../helpers';
import { basicAuth, expectError, expectTokens, postForm, refresh } from '../tokens/helpers';
import { authorizeQuery, expectErrorRedirect } from '../authorize/local-helpers';
import { authParams, pushRequest, pushed } from '../fapi/local-helpers';
import { createApi, type CreatedApi } from './local-helpers';

/** Two APIs and a confidential first-party client allowed the scopes of both (and refresh tokens). */
async function setup(apiA: Record<string, unknown> = {}) {
  const a = await createApi(apiA);
  const b = await createApi();
  const client = await createClient({
    first_party: true,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    scope: ['openid', 'profile', 'email', 'offline_access', ...a.scopes, ...b.scopes].join(' '),
  });
  return { a, b, client, user: await createUser() };
}

const code = (callback: URL) => {
  const c = callback.searchParams.get('code');
  expect(c, callback.toString()).toBeTruthy();
  return c!;
};

const exchange = (client: Awaited<ReturnType<typeof setup>>['client'], c: string, extra: Record<string, string> = {}) =>
  postForm('/token', { grant_type: 'authorization_code', code: c, redirect_uri: client.redirect_uris[0]!, ...extra }, basicAuth(client));

const scopeOf = (jwt: string) => String(decodeJwt(jwt).scope).split(' ').sort();
const all = (...apis: CreatedApi[]) => apis.flatMap((x) => x.scopes);

/** RFC 8707 resource indicators selecting an API (issue 13). */
describe('resource (RFC 8707)', { timeout: 40_000 }, () => {
  it('code flow: aud is the API, only its scopes, its lifetime and algorithm; the ID token is unchanged; userinfo refuses the token', async () => {
    const { a, b, client, user } = await setup({ access_token_ttl: 120, signing_alg: 'ES256' });
    const scope = ['openid', 'email', 'offline_access', ...all(a, b)].join(' ');
    const tokens = await expectTokens(await exchange(client, code(await authorizeInBrowser({ client, user, scope, extra: { resource: a.identifier } }))));
    const at = decodeJwt(tokens.access_token);
    expect(at.aud).toBe(a.identifier);
    expect(scopeOf(tokens.access_token)).toEqual([...a.scopes].sort());
    expect(tokens.scope.split(' ').sort()).toEqual([...a.scopes].sort());
    expect(tokens.expires_in).toBe(120);
    expect(at.exp! - at.iat!).toBe(120);
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const id = decodeJwt(tokens.id_token!);
    expect(id.aud).toBe(client.client_id);
    expect(id.email).toBeTruthy();
    // RFC 9068 §4: a token for another audience is not userinfo's.
    const info = await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(401);

    // Refresh without resource: the grant's API again; with resource = B: B's token from the same grant.
    const again = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect(decodeJwt(again.access_token).aud).toBe(a.identifier);
    expect(scopeOf(again.access_token)).toEqual([...a.scopes].sort());
    const forB = await expectTokens(await refresh(client, again.refresh_token!, { resource: b.identifier }));
    expect(decodeJwt(forB.access_token).aud).toBe(b.identifier);
    expect(scopeOf(forB.access_token)).toEqual([...b.scopes].sort());
    expect(decodeProtectedHeader(forB.access_token).alg).toBe('RS256');
    // Narrowed by scope within the API.
    const narrowed = await expectTokens(await refresh(client, forB.refresh_token!, { resource: b.identifier, scope: `openid ${b.scopes[0]}` }));
    expect(scopeOf(narrowed.access_token)).toEqual([b.scopes[0]]);

    // An API whose scopes the grant does not hold, an unknown one, a malformed one: invalid_target, and the refresh token is not spent.
    const c = await createApi();
    await expectError(await refresh(client, narrowed.refresh_token!, { resource: c.identifier }), 'invalid_target');
    await expectError(await refresh(client, narrowed.refresh_token!, { resource: 'https://unknown.example.test/' }), 'invalid_target');
    await expectError(await refresh(client, narrowed.refresh_token!, { resource: 'relative/path' }), 'invalid_target');
    await expectError(await refresh(client, narrowed.refresh_token!, { resource: b.identifier, scope: 'email' }), 'invalid_target');
    const still = await expectTokens(await refresh(client, narrowed.refresh_token!));
    expect(decodeJwt(still.access_token).aud).toBe(a.identifier);
  });

  it('without resource: standard scopes keep the userinfo audience; one API\'s scopes too; scopes spanning APIs are invalid_target', async () => {
    const { a, b, client, user } = await setup();
    const plain = await expectTokens(await exchange(client, code(await authorizeInBrowser({ client, user, scope: 'openid email' }))));
    expect(decodeJwt(plain.access_token).aud).toBe(`${ISSUER}/userinfo`);
    const oneApi = await expectTokens(await exchange(client, code(await authorizeInBrowser({ client, user, scope: `openid ${a.scopes[0]}` }))));
    expect(decodeJwt(oneApi.access_token).aud).toBe(`${ISSUER}/userinfo`);
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client, { scope: `openid ${a.scopes[0]} ${b.scopes[0]}` })}`), 'invalid_target');
  });

  it('/authorize: unknown, relative, fragment, repeated resource, or an API none of whose scopes is asked: invalid_target (redirected)', async () => {
    const { a, b, client } = await setup();
    const scope = `openid ${a.scopes[0]}`;
    for (const resource of ['https://unknown.example.test/', 'not-a-uri', `${a.identifier}#frag`, b.identifier]) {
      expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client, { scope, resource })}`), 'invalid_target');
    }
    const twice = `/authorize?${authorizeQuery(client, { scope, resource: a.identifier })}&resource=${encodeURIComponent(b.identifier)}`;
    expectErrorRedirect(await fetchOp(twice), 'invalid_target');
    // A client not allowed the API's scopes gets none of them: invalid_target too.
    const other = await createClient();
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(other, { scope, resource: a.identifier })}`), 'invalid_target');
  });

  it('/token: a resource other than the authorized one is invalid_target; naming the same one works', async () => {
    const { a, b, client, user } = await setup();
    const scope = ['openid', ...all(a, b)].join(' ');
    const c1 = code(await authorizeInBrowser({ client, user, scope, extra: { resource: a.identifier } }));
    await expectError(await exchange(client, c1, { resource: b.identifier }), 'invalid_target');
    const c2 = code(await authorizeInBrowser({ client, user, scope, extra: { resource: a.identifier } }));
    await expectError(await exchange(client, c2, { resource: 'https://x.example.test/#f' }), 'invalid_target');
    const ok = await expectTokens(await exchange(client, code(await authorizeInBrowser({ client, user, scope, extra: { resource: a.identifier } })), { resource: a.identifier }));
    expect(decodeJwt(ok.access_token).aud).toBe(a.identifier);
    // A code authorized without resource can be redeemed for one API (RFC 8707 §2.2).
    const late = await expectTokens(await exchange(client, code(await authorizeInBrowser({ client, user, scope: `openid ${a.scopes[0]}` })), { resource: a.identifier }));
    expect(decodeJwt(late.access_token).aud).toBe(a.identifier);
  });

  it('PAR: the pushed resource selects the API; an unknown one is refused at /par', async () => {
    const { a, b, client, user } = await setup();
    const bad = await pushRequest(client, authParams(client, { scope: `openid ${a.scopes[0]}`, resource: 'https://unknown.example.test/' }));
    await expectError(bad, 'invalid_target');
    const uri = await pushed(client, authParams(client, { scope: ['openid', ...all(a, b)].join(' '), resource: b.identifier }));
    const callback = await followAuthorization(new Browser(), `/authorize?${new URLSearchParams({ client_id: client.client_id, request_uri: uri })}`, user);
    const tokens = await expectTokens(await exchange(client, code(callback)));
    expect(decodeJwt(tokens.access_token).aud).toBe(b.identifier);
    expect(scopeOf(tokens.access_token)).toEqual([...b.scopes].sort());
  });

  it('hybrid code token: the front-channel access token is for the API too', async () => {
    const a = await createApi();
    const client = await createClient({ first_party: true, response_types: ['code token'], scope: ['openid', ...a.scopes].join(' ') });
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user, scope: ['openid', ...a.scopes].join(' '), extra: { response_type: 'code token', resource: a.identifier } });
    const p = new URLSearchParams(callback.hash.slice(1));
    expect(decodeJwt(p.get('access_token')!).aud).toBe(a.identifier);
    expect(p.get('scope')!.split(' ').sort()).toEqual([...a.scopes].sort());
  });

  it('client_credentials: resource selects the API; without it scopes of two APIs are invalid_target', async () => {
    const { a, b, client } = await setup({ access_token_ttl: 90 });
    const cc = (extra: Record<string, string>) => postForm('/token', { grant_type: 'client_credentials', ...extra }, basicAuth(client));
    const forA = await expectTokens(await cc({ resource: a.identifier }));
    expect(decodeJwt(forA.access_token)).toMatchObject({ aud: a.identifier, sub: client.client_id });
    expect(scopeOf(forA.access_token)).toEqual([...a.scopes].sort());
    expect(forA.expires_in).toBe(90);
    const one = await expectTokens(await cc({ resource: b.identifier, scope: b.scopes[1]! }));
    expect(scopeOf(one.access_token)).toEqual([b.scopes[1]]);
    await expectError(await cc({}), 'invalid_target');
    await expectError(await cc({ resource: 'https://unknown.example.test/' }), 'invalid_target');
    await expectError(await cc({ resource: a.identifier, scope: b.scopes[0]! }), 'invalid_target');
    // Without resource, one API's scopes keep today's audience (the issuer).
    expect(decodeJwt((await expectTokens(await cc({ scope: a.scopes[0]! }))).access_token).aud).toBe(ISSUER);
  });
});
