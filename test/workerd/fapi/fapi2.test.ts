import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN, Browser, ISSUER, createUser, fetchOp, pkcePair } from '../helpers';
import { expectError } from '../registration/local-helpers';
import { FORM, authParams, dpopKey, followInBrowser, serverNonce } from './local-helpers';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function fapiClient(extra: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fapi-1', alg: 'PS256' };
  const body = {
    client_name: 'FAPI app',
    redirect_uris: ['https://rp.example.test/cb'],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [jwk] },
    profile: 'fapi2',
    require_pushed_authorization_requests: true,
    dpop_bound_access_tokens: true,
    id_token_signed_response_alg: 'PS256',
    grant_types: ['authorization_code', 'refresh_token'],
    ...extra,
  };
  const res = await fetchOp('/admin/clients', { method: 'POST', headers: ADMIN, body: JSON.stringify(body) });
  return { res, privateKey, body };
}

describe('FAPI 2.0 profile (--profile fapi2)', () => {
  it('walks the whole flow: PAR with private_key_jwt (aud = issuer) and DPoP, PKCE, iss, code within 60 s, DPoP-bound tokens, PS256 ID token', async () => {
    const { res, privateKey } = await fapiClient();
    expect(res.status, await res.clone().text()).toBe(201);
    const client = (await res.json()) as { client_id: string; redirect_uris: string[]; profile: string };
    expect(client.profile).toBe('fapi2');
    const assertion = (aud: string = ISSUER) =>
      new SignJWT({}).setProtectedHeader({ alg: 'PS256', kid: 'fapi-1' }).setIssuer(client.client_id).setSubject(client.client_id).setAudience(aud).setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('60s').sign(privateKey);
    const key = await dpopKey('ES256');
    const { verifier, challenge } = await pkcePair();
    const params = authParams(client as never, { code_challenge: challenge, code_challenge_method: 'S256' });

    // Without PAR: refused at the authorization endpoint.
    const direct = await new Browser().get(`/authorize?${new URLSearchParams(params)}`);
    expect(new URL(direct.headers.get('Location')!).searchParams.get('error')).toBe('invalid_request');

    const parNonce = await serverNonce('/par');
    const push = async (form: Record<string, string>, aud?: string) =>
      fetchOp('/par', {
        method: 'POST',
        headers: { ...FORM, DPoP: await key.proof('POST', `${ISSUER}/par`, { nonce: parNonce }) },
        body: new URLSearchParams({ ...form, client_assertion_type: JWT_BEARER, client_assertion: await assertion(aud) }).toString(),
      });
    // PKCE is required; an assertion for the token endpoint is not one for the issuer.
    const noPkce = { ...params };
    delete noPkce.code_challenge;
    delete noPkce.code_challenge_method;
    await expectError(await push(noPkce), 400, 'invalid_request', /PKCE/);
    expect((await push(params, `${ISSUER}/token`)).status).toBe(401);

    const pushed = await push(params);
    expect(pushed.status, await pushed.clone().text()).toBe(201);
    const { request_uri } = (await pushed.json()) as { request_uri: string };
    const callback = await followInBrowser(new Browser(), `/authorize?${new URLSearchParams({ client_id: client.client_id, request_uri })}`, await createUser());
    expect(callback.searchParams.get('iss')).toBe(ISSUER);
    const code = callback.searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]!, code_verifier: verifier, client_assertion_type: JWT_BEARER };
    const tokenRequest = async (dpop?: string) =>
      fetchOp('/token', { method: 'POST', headers: { ...FORM, ...(dpop ? { DPoP: dpop } : {}) }, body: new URLSearchParams({ ...form, client_assertion: await assertion() }).toString() });
    // No DPoP proof: refused, and the code is not spent.
    await expectError(await tokenRequest(), 400, 'invalid_dpop_proof');
    const nonce = await serverNonce();
    const ok = await tokenRequest(await key.proof('POST', `${ISSUER}/token`, { nonce }));
    expect(ok.status, await ok.clone().text()).toBe(200);
    const tokens = (await ok.json()) as { access_token: string; token_type: string; id_token: string };
    expect(tokens.token_type).toBe('DPoP');
    expect((decodeJwt(tokens.access_token).cnf as { jkt: string }).jkt).toBe(key.jkt);
    expect(decodeProtectedHeader(tokens.id_token).alg).toBe('PS256');
  });

  it('JARM variant: a pushed response_mode=jwt comes back as one response JWT signed with the client\'s FAPI algorithm (PS256), iss inside', async () => {
    const { res, privateKey } = await fapiClient();
    const client = (await res.json()) as { client_id: string; redirect_uris: string[] };
    const assertion = () =>
      new SignJWT({}).setProtectedHeader({ alg: 'PS256', kid: 'fapi-1' }).setIssuer(client.client_id).setSubject(client.client_id).setAudience(ISSUER).setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('60s').sign(privateKey);
    const { challenge } = await pkcePair();
    const params = authParams(client as never, { code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'jwt' });
    const pushed = await fetchOp('/par', { method: 'POST', headers: FORM, body: new URLSearchParams({ ...params, client_assertion_type: JWT_BEARER, client_assertion: await assertion() }).toString() });
    expect(pushed.status, await pushed.clone().text()).toBe(201);
    const { request_uri } = (await pushed.json()) as { request_uri: string };
    const callback = await followInBrowser(new Browser(), `/authorize?${new URLSearchParams({ client_id: client.client_id, request_uri })}`, await createUser());
    // FAPI 2.0 Message Signing (JARM): only `response` in the query.
    expect([...callback.searchParams.keys()]).toEqual(['response']);
    const jwt = callback.searchParams.get('response')!;
    expect(decodeProtectedHeader(jwt).alg).toBe('PS256');
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ iss: ISSUER, aud: client.client_id, state: 'state-par' });
    expect(claims.code).toBeTruthy();
  });

  it('keeps the code within 60 seconds whatever CODE_TTL says', async () => {
    const { checkPkce } = await import('../../../src/authorize/check_pkce');
    const { newAuthorizeContext } = await import('../../../src/authorize/validate');
    const { DEFAULT_FIELDS } = await import('../../../src/clients/model');
    const ctx = newAuthorizeContext(new Map([['code_challenge', 'a'.repeat(43)], ['code_challenge_method', 'S256']]));
    ctx.client = { ...DEFAULT_FIELDS, profile: 'fapi2' } as never;
    checkPkce(ctx);
    expect(ctx.request.codeTtl).toBe(60);
  });

  it('refuses fapi2 clients that are not private_key_jwt, PAR-required, DPoP-bound, or use RS256', async () => {
    for (const [extra, message] of [
      [{ token_endpoint_auth_method: 'client_secret_basic', jwks: undefined }, /private_key_jwt/],
      [{ require_pushed_authorization_requests: false }, /pushed authorization/],
      [{ dpop_bound_access_tokens: false }, /DPoP/],
      [{ id_token_signed_response_alg: 'RS256' }, /id_token_signed_response_alg/],
      [{ request_object_signing_alg: 'RS256' }, /request_object_signing_alg/],
      // Unsigned request objects are never for a fapi2 client, whatever REQUEST_OBJECT_NONE says.
      [{ request_object_signing_alg: 'none' }, /request_object_signing_alg/],
      // JARM responses of a fapi2 client are signed with a FAPI algorithm too.
      [{ authorization_signed_response_alg: 'RS256' }, /authorization_signed_response_alg/],
    ] as const) {
      const { res } = await fapiClient(extra);
      await expectError(res, 400, 'invalid_request', message);
    }
  });
});
