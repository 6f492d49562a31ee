// DPoP (RFC 9449) end to end: a client made with --dpop-bound gets sender-constrained tokens with
// openid-client's DPoP handle (nonce retries included) and uses them at userinfo; a copy of the
// access token without the key is useless.
import * as client from 'openid-client';
import { describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, adminCli, unique } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

const cli = adminCli;

describe('DPoP (RFC 9449)', () => {
  test('openid-client binds the code at PAR, gets DPoP tokens, calls userinfo and refreshes with its key', async () => {
    const made = JSON.parse(
      await cli('clients', 'create', '--name', unique('dpop'), '--redirect-uri', REDIRECT_URI, '--dpop-bound', '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--first-party', '--json'),
    ) as { client_id: string; client_secret: string; dpop_bound_access_tokens: boolean };
    expect(made.dpop_bound_access_tokens).toBe(true);
    const config = await client.discovery(new URL(baseUrl), made.client_id, made.client_secret, client.ClientSecretBasic(made.client_secret), { execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toContain('ES256');
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const user = await admin.createUser();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(
      config,
      { redirect_uri: REDIRECT_URI, scope: 'openid profile offline_access', state, prompt: 'consent', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' },
      { DPoP },
    );
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true }, undefined, { DPoP });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id, { DPoP });
    expect(info.sub).toBe(user.id);

    // The stolen token alone: as a bearer token it is refused.
    const stolen = await fetch(`${baseUrl}/userinfo`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(stolen.status).toBe(401);
    await stolen.body?.cancel();

    const described = await client.tokenIntrospection(config, tokens.access_token);
    expect(described.active).toBe(true);
    expect((described.cnf as { jkt?: string } | undefined)?.jkt).toBeTruthy();

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    expect(refreshed.token_type.toLowerCase()).toBe('dpop');
    // Without a proof the dpop-bound client gets nothing.
    const plain = await client.refreshTokenGrant(config, refreshed.refresh_token!).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(plain).toBeInstanceOf(client.ResponseBodyError);
    expect((plain as client.ResponseBodyError).error).toBe('invalid_dpop_proof');
  });
});
