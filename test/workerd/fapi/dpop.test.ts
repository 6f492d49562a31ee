import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { dpopNonce, normaliseHtu, verifyDpopProof } from '../../../src/authn/dpop';
import { Browser, ISSUER, authorizeInBrowser, basic, createClient, createUser, env, fetchOp, pkcePair, type TestClient } from '../helpers';
import { expectError, registered } from '../registration/local-helpers';
import { FORM, authParams, dpopKey, dpopTokenRequest, followInBrowser, serverNonce, type DpopKey } from './local-helpers';

const KEK = 'q8Jm3vN0cXyWq1Zr5sT7uV9wX2yA4bC6dE8fG0hI2jK';

/** A code for `client` from a browser flow (PKCE for public clients), with extra authorization parameters. */
async function codeFor(client: TestClient, extra: Record<string, string> = {}) {
  const user = await createUser();
  const { verifier, challenge } = await pkcePair();
  const callback = await authorizeInBrowser({ client, user, scope: 'openid profile offline_access', codeChallenge: challenge, extra });
  const code = callback.searchParams.get('code');
  expect(code, callback.toString()).toBeTruthy();
  return { code: code!, form: { grant_type: 'authorization_code', code: code!, redirect_uri: client.redirect_uris[0]!, code_verifier: verifier } };
}

/** A plain (not DPoP-bound) code exchange for `client`. */
async function exchangeCodeFor(client: TestClient): Promise<Response> {
  const { form } = await codeFor(client);
  return fetchOp('/token', { method: 'POST', headers: { ...FORM, Authorization: basic(client) }, body: new URLSearchParams(form).toString() });
}

/** The resource server's nonce, learnt as a client does: a proof without one gets a 401 use_dpop_nonce. */
async function rsNonce(token: string, key: DpopKey): Promise<string> {
  const res = await fetchOp('/userinfo', { headers: { Authorization: `DPoP ${token}`, DPoP: await key.proof('GET', `${ISSUER}/userinfo`, { accessToken: token }) } });
  expect(res.status).toBe(401);
  expect(res.headers.get('WWW-Authenticate')).toContain('error="use_dpop_nonce"');
  await res.body?.cancel();
  return res.headers.get('DPoP-Nonce')!;
}

const userinfoWith = async (token: string, key: DpopKey, o: { scheme?: string; nonce?: string; ath?: string; htu?: string } = {}) =>
  fetchOp('/userinfo', {
    headers: { Authorization: `${o.scheme ?? 'DPoP'} ${token}`, DPoP: await key.proof('GET', o.htu ?? `${ISSUER}/userinfo`, { nonce: o.nonce ?? (await rsNonce(token, key)), accessToken: o.ath ?? token }) },
  });

describe('DPoP (RFC 9449)', () => {
  it('binds tokens to the proof key: nonce challenge, token_type DPoP, cnf.jkt, userinfo with the DPoP scheme, introspection', async () => {
    const client = await createClient({ grant_types: ['authorization_code', 'refresh_token'] });
    const key = await dpopKey();
    const { form } = await codeFor(client);
    // RFC 9449 §8: a proof without the server nonce gets use_dpop_nonce and the nonce to use.
    const first = await fetchOp('/token', { method: 'POST', headers: { ...FORM, Authorization: basic(client), DPoP: await key.proof('POST', `${ISSUER}/token`) }, body: new URLSearchParams(form).toString() });
    await expectError(first, 400, 'use_dpop_nonce');
    const nonce = first.headers.get('DPoP-Nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The code was not spent by the nonce round: the retry with the nonce succeeds.
    const res = await dpopTokenRequest(client, form, key, { nonce: nonce! });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('DPoP-Nonce')).toBeTruthy();
    const tokens = (await res.json()) as { access_token: string; token_type: string; refresh_token: string };
    expect(tokens.token_type).toBe('DPoP');
    expect((decodeJwt(tokens.access_token).cnf as { jkt: string }).jkt).toBe(key.jkt);

    const ok = await userinfoWith(tokens.access_token, key);
    expect(ok.status, await ok.clone().text()).toBe(200);
    // A bound token as a bearer token, without a proof, with another key's proof, or a wrong ath: 401.
    const bearer = await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(bearer.status).toBe(401);
    const noProof = await fetchOp('/userinfo', { headers: { Authorization: `DPoP ${tokens.access_token}` } });
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get('WWW-Authenticate')).toMatch(/^DPoP /);
    const otherKey = await userinfoWith(tokens.access_token, await dpopKey());
    expect(otherKey.status).toBe(401);
    expect(otherKey.headers.get('WWW-Authenticate')).toContain('error="invalid_dpop_proof"');
    expect((await userinfoWith(tokens.access_token, key, { ath: 'another-token' })).status).toBe(401);
    // The resource server's nonce is its own: the token endpoint's is refused there.
    const asNonce = await userinfoWith(tokens.access_token, key, { nonce: nonce! });
    expect(asNonce.status).toBe(401);
    expect(asNonce.headers.get('WWW-Authenticate')).toContain('error="use_dpop_nonce"');
    expect(asNonce.headers.get('DPoP-Nonce')).toBeTruthy();

    const intro = await fetchOp('/introspect', { method: 'POST', headers: { ...FORM, Authorization: basic(client) }, body: `token=${tokens.access_token}` });
    const described = (await intro.json()) as { active: boolean; token_type: string; cnf: { jkt: string } };
    expect(described.active).toBe(true);
    expect(described.token_type).toBe('DPoP');
    expect(described.cnf.jkt).toBe(key.jkt);

    // A confidential client's refresh: the new access token is bound to the refresh request's key.
    const other = await dpopKey('EdDSA');
    const refreshed = await dpopTokenRequest(client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, other);
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    expect((decodeJwt(((await refreshed.json()) as { access_token: string }).access_token).cnf as { jkt: string }).jkt).toBe(other.jkt);
  });

  it('introspection: reports cnf.jkt and token_type DPoP for bound tokens, Bearer otherwise; accepts and checks a proof from the introspecting client', async () => {
    const client = await createClient();
    const rs = await createClient({ grant_types: ['client_credentials'], redirect_uris: [] });
    const key = await dpopKey();
    const { form } = await codeFor(client);
    const bound = (await (await dpopTokenRequest(client, form, key)).json()) as { access_token: string };
    const plain = (await (await exchangeCodeFor(client)).json()) as { access_token: string };
    const introspect = async (token: string, headers: Record<string, string> = {}, as = client) =>
      fetchOp('/introspect', { method: 'POST', headers: { ...FORM, Authorization: basic(as), ...headers }, body: new URLSearchParams({ token }).toString() });

    // Without a proof, as before: the bound token's confirmation, and Bearer for the other.
    const described = (await (await introspect(bound.access_token)).json()) as { active: boolean; token_type: string; cnf?: { jkt: string } };
    expect(described).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    const plainDescribed = (await (await introspect(plain.access_token)).json()) as { active: boolean; token_type: string; cnf?: unknown };
    expect(plainDescribed).toMatchObject({ active: true, token_type: 'Bearer' });
    expect(plainDescribed.cnf).toBeUndefined();

    // With a proof of the introspecting client's own key: checked as at /token, then the same answer, and a fresh nonce.
    const callerKey = await dpopKey('EdDSA');
    const htu = `${ISSUER}/introspect`;
    const noNonce = await introspect(bound.access_token, { DPoP: await callerKey.proof('POST', htu) });
    await expectError(noNonce, 400, 'use_dpop_nonce');
    const nonce = noNonce.headers.get('DPoP-Nonce')!;
    expect(nonce).toBeTruthy();
    const jti = crypto.randomUUID();
    const ok = await introspect(bound.access_token, { DPoP: await callerKey.proof('POST', htu, { nonce, jti }) });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(ok.headers.get('DPoP-Nonce')).toBeTruthy();
    expect(await ok.json()).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    // A replayed jti, a proof for another endpoint or another method: invalid_dpop_proof.
    await expectError(await introspect(bound.access_token, { DPoP: await callerKey.proof('POST', htu, { nonce, jti }) }), 400, 'invalid_dpop_proof');
    await expectError(await introspect(bound.access_token, { DPoP: await callerKey.proof('POST', `${ISSUER}/token`, { nonce }) }), 400, 'invalid_dpop_proof');
    await expectError(await introspect(bound.access_token, { DPoP: await callerKey.proof('GET', htu, { nonce }) }), 400, 'invalid_dpop_proof');
    // A resource server (another client) sees the token only if it concerns it: inactive, even with a valid proof.
    const other = await introspect(bound.access_token, { DPoP: await callerKey.proof('POST', htu, { nonce }) }, rs);
    expect(await other.json()).toEqual({ active: false });
  });

  it('refuses bad proofs at the token endpoint: replayed jti, wrong htu, wrong htm, stale nonce, old iat, bad typ, private jwk, two proofs', async () => {
    const client = await createClient({ grant_types: ['client_credentials'], scope: 'api:read' });
    const key = await dpopKey();
    const nonce = await serverNonce();
    const send = (dpop: string) => fetchOp('/token', { method: 'POST', headers: { ...FORM, Authorization: basic(client), DPoP: dpop }, body: 'grant_type=client_credentials' });
    const proof = await key.proof('POST', `${ISSUER}/token`, { nonce });
    expect((await send(proof)).status).toBe(200);
    await expectError(await send(proof), 400, 'invalid_dpop_proof', /already been used/);
    await expectError(await send(await key.proof('POST', `${ISSUER}/userinfo`, { nonce })), 400, 'invalid_dpop_proof', /htu/);
    await expectError(await send(await key.proof('POST', 'https://elsewhere.example.test/token', { nonce })), 400, 'invalid_dpop_proof', /htu/);
    await expectError(await send(await key.proof('GET', `${ISSUER}/token`, { nonce })), 400, 'invalid_dpop_proof', /htm/);
    const stale = await dpopNonce(KEK, 'as', Math.floor(Date.now() / 1000) - 180);
    await expectError(await send(await key.proof('POST', `${ISSUER}/token`, { nonce: stale })), 400, 'use_dpop_nonce');
    await expectError(await send(await key.proof('POST', `${ISSUER}/token`, { nonce, iat: Math.floor(Date.now() / 1000) - 3600 })), 400, 'invalid_dpop_proof', /iat/);
    await expectError(await send(await key.proof('POST', `${ISSUER}/token`, { nonce, header: { typ: 'JWT' } })), 400, 'invalid_dpop_proof', /typ/);
    const priv = { ...(await (await import('jose')).exportJWK(key.privateKey)) };
    await expectError(await send(await key.proof('POST', `${ISSUER}/token`, { nonce, header: { jwk: priv } })), 400, 'invalid_dpop_proof', /public/);
    const a = await key.proof('POST', `${ISSUER}/token`, { nonce });
    const b = await key.proof('POST', `${ISSUER}/token`, { nonce });
    await expectError(await send(`${a}, ${b}`), 400, 'invalid_dpop_proof', /exactly one/);
    // Upper-case scheme and host, the default port and a query are the same htu (RFC 9449 §4.3).
    expect((await send(await key.proof('POST', 'HTTPS://OP.EXAMPLE.TEST:443/token?x=1', { nonce }))).status).toBe(200);
  });

  it('requires a proof of a dpop_bound_access_tokens client, and checks dpop_jkt against the token request key', async () => {
    const bound = await createClient({ dpop_bound_access_tokens: true });
    const { form } = await codeFor(bound);
    await expectError(await fetchOp('/token', { method: 'POST', headers: { ...FORM, Authorization: basic(bound) }, body: new URLSearchParams(form).toString() }), 400, 'invalid_dpop_proof');

    const client = await createClient();
    const key = await dpopKey();
    const { form: bindForm } = await codeFor(client, { dpop_jkt: key.jkt });
    await expectError(await dpopTokenRequest(client, bindForm, await dpopKey()), 400, 'invalid_grant', /dpop_jkt/);
    const ok = await dpopTokenRequest(client, bindForm, key);
    expect(ok.status).toBe(200);
  });

  it('binds the code at PAR to the proof key, and refuses a dpop_jkt that is not that key', async () => {
    const client = await createClient();
    const key = await dpopKey();
    const nonce = await serverNonce('/par');
    const push = async (params: Record<string, string>, k: DpopKey) =>
      fetchOp('/par', { method: 'POST', headers: { ...FORM, Authorization: basic(client), DPoP: await k.proof('POST', `${ISSUER}/par`, { nonce }) }, body: new URLSearchParams(params).toString() });
    await expectError(await push(authParams(client, { dpop_jkt: (await dpopKey()).jkt }), key), 400, 'invalid_request', /dpop_jkt/);
    const { verifier, challenge } = await pkcePair();
    const res = await push(authParams(client, { code_challenge: challenge, code_challenge_method: 'S256' }), key);
    expect(res.status).toBe(201);
    const { request_uri } = (await res.json()) as { request_uri: string };
    const callback = await followInBrowser(new Browser(), `/authorize?${new URLSearchParams({ client_id: client.client_id, request_uri })}`, await createUser());
    const form = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect_uris[0]!, code_verifier: verifier };
    await expectError(await dpopTokenRequest(client, form, await dpopKey()), 400, 'invalid_grant');
    expect((await dpopTokenRequest(client, form, key)).status).toBe(200);
  });

  it("binds a public client's refresh token to its key", async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] });
    const key = await dpopKey();
    const { form } = await codeFor(client);
    const res = await dpopTokenRequest(client, form, key);
    expect(res.status, await res.clone().text()).toBe(200);
    const { refresh_token } = (await res.json()) as { refresh_token: string };
    const refresh = { grant_type: 'refresh_token', refresh_token };
    await expectError(await dpopTokenRequest(client, refresh, await dpopKey()), 400, 'invalid_grant', /DPoP key/);
    await expectError(await fetchOp('/token', { method: 'POST', headers: FORM, body: new URLSearchParams({ ...refresh, client_id: client.client_id }).toString() }), 400, 'invalid_grant', /DPoP key/);
    // The attempts with the wrong key revoked nothing: the holder of the key still refreshes.
    const ok = await dpopTokenRequest(client, refresh, key);
    expect(ok.status, await ok.clone().text()).toBe(200);
  });

  it('derives nonces per slot without storage, and checks htu by scheme, host and path', async () => {
    const at = 1_800_000_000;
    expect(await dpopNonce(KEK, 'as', at)).toBe(await dpopNonce(KEK, 'as', at + 1));
    expect(await dpopNonce(KEK, 'as', at)).not.toBe(await dpopNonce(KEK, 'rs', at));
    expect(await dpopNonce(KEK, 'as', at)).not.toBe(await dpopNonce(KEK, 'as', at + 120));
    expect(normaliseHtu('https://OP.example.test:443/a/../token#f')).toBe('https://op.example.test/token');
    expect(normaliseHtu('not a url')).toBeNull();
    // DPOP_NONCE=off: a proof without a nonce is accepted; the jti store still sees replays.
    const key = await dpopKey('PS256');
    const seen = new Set<string>();
    const check = { method: 'POST', url: `${ISSUER}/token`, now: Math.floor(Date.now() / 1000), audience: 'as' as const, requireNonce: false, kekSecret: KEK, claimJti: async (jkt: string, jti: string) => !seen.has(jti) && !!seen.add(jti) };
    const proof = await key.proof('POST', `${ISSUER}/token`);
    expect((await verifyDpopProof(proof, check)).jkt).toBe(key.jkt);
    await expect(verifyDpopProof(proof, check)).rejects.toThrow(/already been used/);
    await expect(verifyDpopProof(await key.proof('POST', `${ISSUER}/token`), { ...check, requireNonce: true })).rejects.toThrow(/nonce/);
  });

  it('advertises dpop_signing_alg_values_supported and accepts dpop_bound_access_tokens at registration', async () => {
    const meta = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'PS256', 'RS256']);
    const dyn = await registered({ dpop_bound_access_tokens: true });
    expect(dyn.dpop_bound_access_tokens).toBe(true);
    expect(env.DB).toBeDefined();
  });
});
