import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN, ISSUER, fetchOp } from '../helpers';
import { bearer, expectInvalidToken, forgeAccessToken, getUserinfo, postUserinfo, serverSigningKey, tokensFor } from './local-helpers';

const PROFILE = ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'];
const ADDRESS = { street_address: '12 Analytical Row', locality: 'London', postal_code: 'N1 9GU', country: 'UK', formatted: '12 Analytical Row, London N1 9GU, UK' };

/** OIDC Core §5.3 and §5.4: claims released per scope. */
describe('userinfo: claims by scope', () => {
  it('scope openid only -> only sub, equal to the ID token sub', async () => {
    const { user, tokens } = await tokensFor('openid', { address: ADDRESS, phone_number: '+44 20 7946 0000' });
    const res = await getUserinfo(bearer(tokens.access_token));
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['sub']);
    expect(body.sub).toBe(decodeJwt(tokens.id_token).sub);
    expect(body.sub).toBe(user.id);
  });

  it('+profile -> name, given_name, family_name, preferred_username, updated_at; nothing from other scopes', async () => {
    const { user, tokens } = await tokensFor('openid profile', { address: ADDRESS, phone_number: '+44 20 7946 0000' });
    const body = (await (await getUserinfo(bearer(tokens.access_token))).json()) as Record<string, unknown>;
    for (const claim of PROFILE) expect(body, claim).toHaveProperty(claim);
    expect(body.given_name).toBe('Ada');
    expect(body.family_name).toBe('Lovelace');
    expect(body.name).toBe('Ada Lovelace');
    expect(body.preferred_username).toBe(user.username);
    expect(typeof body.updated_at).toBe('number');
    expect(Number.isInteger(body.updated_at)).toBe(true);
    for (const claim of ['email', 'email_verified', 'address', 'phone_number', 'phone_number_verified']) expect(body).not.toHaveProperty(claim);
    expect(body.sub).toBe(decodeJwt(tokens.id_token).sub);
  });

  it('+email -> email and email_verified; no profile claims', async () => {
    const { user, tokens } = await tokensFor('openid email', { email_verified: true });
    const body = (await (await getUserinfo(bearer(tokens.access_token))).json()) as Record<string, unknown>;
    expect(body.email).toBe(`${user.username}@example.test`);
    expect(body.email_verified).toBe(true);
    for (const claim of PROFILE) expect(body).not.toHaveProperty(claim);
  });

  it('+email for a user whose email is not verified -> email_verified false (a boolean)', async () => {
    const { tokens } = await tokensFor('openid email');
    const body = (await (await getUserinfo(bearer(tokens.access_token))).json()) as Record<string, unknown>;
    expect(body.email_verified).toBe(false);
  });

  it('+address -> the address object as a JSON object', async () => {
    const { tokens } = await tokensFor('openid address', { address: ADDRESS });
    const body = (await (await getUserinfo(bearer(tokens.access_token))).json()) as Record<string, unknown>;
    expect(body.address).toEqual(ADDRESS);
    expect(Object.keys(body).sort()).toEqual(['address', 'sub']);
  });

  it('+phone -> phone_number and phone_number_verified', async () => {
    const { tokens } = await tokensFor('openid phone', { phone_number: '+44 20 7946 0000', phone_number_verified: true });
    const body = (await (await getUserinfo(bearer(tokens.access_token))).json()) as Record<string, unknown>;
    expect(body.phone_number).toBe('+44 20 7946 0000');
    expect(body.phone_number_verified).toBe(true);
    expect(Object.keys(body).sort()).toEqual(['phone_number', 'phone_number_verified', 'sub']);
  });

  it('all scopes together release all claims', async () => {
    const { tokens } = await tokensFor('openid profile email address phone', { address: ADDRESS, phone_number: '+1 555 0100' });
    const body = (await (await getUserinfo(bearer(tokens.access_token))).json()) as Record<string, unknown>;
    for (const claim of ['sub', ...PROFILE, 'email', 'email_verified', 'address', 'phone_number']) expect(body, claim).toHaveProperty(claim);
  });

  it('address and phone scopes for a user without them release no empty or null claims', async () => {
    const { tokens } = await tokensFor('openid address phone');
    const body = (await (await getUserinfo(bearer(tokens.access_token))).json()) as Record<string, unknown>;
    expect(body).toEqual({ sub: expect.any(String) });
  });

  it('answers with Cache-Control: no-store on success, for GET and POST', async () => {
    const { tokens } = await tokensFor('openid');
    const get = await getUserinfo(bearer(tokens.access_token));
    expect(get.status).toBe(200);
    expect(get.headers.get('Cache-Control')).toBe('no-store');
    const post = await postUserinfo(`access_token=${tokens.access_token}`);
    expect(post.status).toBe(200);
    expect(post.headers.get('Cache-Control')).toBe('no-store');
  });
});

/** RFC 6750 §2 and §3. */
describe('userinfo: bearer token errors', () => {
  it('no token -> 401 with a Bearer realm challenge and no error code', async () => {
    const res = await getUserinfo();
    expect(res.status).toBe(401);
    const challenge = res.headers.get('WWW-Authenticate');
    expect(challenge).toMatch(/^Bearer realm="[^"]*"/);
    expect(challenge).not.toMatch(/error=/);
    const post = await postUserinfo('');
    expect(post.status).toBe(401);
    expect(post.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="[^"]*"/);
    expect(post.headers.get('WWW-Authenticate')).not.toMatch(/error=/);
  });

  for (const [what, token] of [
    ['garbage', 'garbage'],
    ['three dots', 'a.b.c'],
    ['a base64 blob', btoa('x'.repeat(100))],
    ['an unsigned JWT header only', `${base64url.encode('{"alg":"RS256","typ":"at+jwt"}')}.e30.`],
  ] as const) {
    it(`an invalid token (${what}) -> 401 error="invalid_token"`, async () => {
      await expectInvalidToken(await getUserinfo(bearer(token)));
    });
  }

  it('a server-signed forgery is accepted (control for the tests below)', async () => {
    const { tokens, user } = await tokensFor('openid');
    const res = await getUserinfo(bearer(await forgeAccessToken(tokens.access_token)));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toBe(user.id);
  });

  it('a token with a wrong signature (own key, the server kid) -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    const { privateKey } = await generateKeyPair('RS256');
    await expectInvalidToken(await getUserinfo(bearer(await forgeAccessToken(tokens.access_token, { key: privateKey }))));
  });

  it('a token signed by an unknown kid -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    const { privateKey } = await generateKeyPair('RS256');
    await expectInvalidToken(await getUserinfo(bearer(await forgeAccessToken(tokens.access_token, { key: privateKey, kid: 'attacker-key' }))));
  });

  it('a real token with a tampered payload -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    const [h, p, s] = tokens.access_token.split('.') as [string, string, string];
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    payload.scope = 'openid profile email address phone';
    const tampered = `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
    await expectInvalidToken(await getUserinfo(bearer(tampered)));
    // And with the signature cut off.
    await expectInvalidToken(await getUserinfo(bearer(`${h}.${p}.`)));
  });

  it('alg=none and HS256 tokens -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    const payload = decodeJwt(tokens.access_token);
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(payload))}.`;
    await expectInvalidToken(await getUserinfo(bearer(none)));
    const { kid } = decodeProtectedHeader(tokens.access_token);
    const hs = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!!'));
    await expectInvalidToken(await getUserinfo(bearer(hs)));
  });

  it('an expired token -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    const now = Math.floor(Date.now() / 1000);
    const expired = await forgeAccessToken(tokens.access_token, { iat: now - 3700, exp: now - 100 });
    await expectInvalidToken(await getUserinfo(bearer(expired)));
  });

  it('a token for another issuer or audience -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    await expectInvalidToken(await getUserinfo(bearer(await forgeAccessToken(tokens.access_token, { iss: 'https://evil.example.test' }))));
    await expectInvalidToken(await getUserinfo(bearer(await forgeAccessToken(tokens.access_token, { aud: 'https://rs.example.test' }))));
  });

  it('a token for an unknown grant -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    await expectInvalidToken(await getUserinfo(bearer(await forgeAccessToken(tokens.access_token, { claims: { gid: 'no-such-grant' } }))));
  });

  it('the ID token used as an access token -> 401 (typ mismatch)', async () => {
    const { tokens } = await tokensFor('openid profile');
    expect(decodeProtectedHeader(tokens.id_token).typ).not.toBe('at+jwt');
    await expectInvalidToken(await getUserinfo(bearer(tokens.id_token)));
    await expectInvalidToken(await postUserinfo(`access_token=${tokens.id_token}`));
  });

  it('a server-signed access token with typ JWT instead of at+jwt -> 401 invalid_token', async () => {
    const { tokens } = await tokensFor('openid');
    await expectInvalidToken(await getUserinfo(bearer(await forgeAccessToken(tokens.access_token, { typ: 'JWT' }))));
  });

  it('token in the Authorization header AND the body -> 400 invalid_request (RFC 6750 §3.1)', async () => {
    const { tokens } = await tokensFor('openid');
    const res = await postUserinfo(`access_token=${tokens.access_token}`, bearer(tokens.access_token));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    expect(res.headers.get('WWW-Authenticate') ?? '').not.toMatch(/error="invalid_token"/);
  });

  it('POST with access_token in a form body works (RFC 6750 §2.2)', async () => {
    const { tokens, user } = await tokensFor('openid email');
    const res = await postUserinfo(new URLSearchParams({ access_token: tokens.access_token }).toString());
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.sub).toBe(user.id);
    expect(body.email).toBe(`${user.username}@example.test`);
  });

  it('POST with a Bearer header and an empty form body works', async () => {
    const { tokens } = await tokensFor('openid');
    expect((await postUserinfo('', bearer(tokens.access_token))).status).toBe(200);
  });

  it('GET with access_token in the query is not accepted -> 401 and no claims', async () => {
    const { tokens } = await tokensFor('openid');
    const res = await getUserinfo({}, `?access_token=${encodeURIComponent(tokens.access_token)}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
    expect(await res.text()).not.toContain('"sub"');
  });

  it('POST with access_token only in the query is not accepted either', async () => {
    const { tokens } = await tokensFor('openid');
    const res = await fetchOp(`/userinfo?access_token=${encodeURIComponent(tokens.access_token)}`, { method: 'POST' });
    expect(res.status).toBe(401);
  });

  it('accepts the Bearer scheme name case-insensitively (RFC 9110 §11.1)', async () => {
    const { tokens } = await tokensFor('openid');
    expect((await getUserinfo({ Authorization: `bearer ${tokens.access_token}` })).status).toBe(200);
    expect((await getUserinfo({ Authorization: `BEARER ${tokens.access_token}` })).status).toBe(200);
  });

  it('an unsupported authentication scheme is treated like no token: 401 without an error code (RFC 6750 §3.1)', async () => {
    const res = await getUserinfo({ Authorization: `Basic ${btoa('user:pass')}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="[^"]*"/);
    expect(res.headers.get('WWW-Authenticate')).not.toMatch(/error=/);
  });

  it('a deleted user -> 401 invalid_token', async () => {
    const { tokens, user } = await tokensFor('openid profile');
    expect((await getUserinfo(bearer(tokens.access_token))).status).toBe(200);
    const del = await fetchOp(`/admin/users/${user.id}`, { method: 'DELETE', headers: ADMIN });
    expect(del.status).toBe(204);
    await expectInvalidToken(await getUserinfo(bearer(tokens.access_token)));
  });

  it('PUT /userinfo -> 405 with Allow: GET, POST', async () => {
    const { tokens } = await tokensFor('openid');
    const res = await fetchOp('/userinfo', { method: 'PUT', headers: bearer(tokens.access_token) });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toMatch(/GET/);
    expect(res.headers.get('Allow')).toMatch(/POST/);
  });

  it('the server key helper reads the current key (sanity)', async () => {
    const { kid } = await serverSigningKey();
    const { tokens } = await tokensFor('openid');
    expect(decodeProtectedHeader(tokens.access_token).kid).toBe(kid);
    expect(decodeJwt(tokens.access_token).iss).toBe(ISSUER);
  });
});
