// FAPI 2.0 (issue 14): one client of the fapi2 profile walks the whole flow with openid-client:
// private_key_jwt (aud = issuer), PAR with DPoP, PKCE S256, iss in the response, DPoP-bound tokens,
// a PS256 ID token, userinfo with the DPoP scheme.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, adminCli, unique } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

const cli = adminCli;

describe('FAPI 2.0 profile', () => {
  test('a --profile fapi2 client walks the whole flow with openid-client', async () => {
    const { privateKey, publicKey } = (await crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwksFile = join(tmpdir(), `${unique('fapi-jwks')}.json`);
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'fapi-e2e', alg: 'PS256' }] }));
    const made = JSON.parse(
      await cli('clients', 'create', '--name', unique('fapi2'), '--redirect-uri', REDIRECT_URI, '--auth-method', 'private_key_jwt', '--jwks-file', jwksFile,
        '--profile', 'fapi2', '--require-par', '--dpop-bound', '--id-token-alg', 'PS256', '--first-party', '--json'),
    ) as { client_id: string; profile: string };
    expect(made.profile).toBe('fapi2');
    const config = await client.discovery(new URL(baseUrl), made.client_id, { id_token_signed_response_alg: 'PS256' }, client.PrivateKeyJwt({ key: privateKey, kid: 'fapi-e2e' }), { execute: [client.allowInsecureRequests] });
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const user = await admin.createUser();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = await client.buildAuthorizationUrlWithPAR(
      config,
      { redirect_uri: REDIRECT_URI, scope: 'openid profile', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' },
      { DPoP },
    );
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
    expect(callback.searchParams.get('iss')).toBe(baseUrl);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }, undefined, { DPoP });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).alg).toBe('PS256');
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id, { DPoP });
    expect(info.sub).toBe(user.id);
  });
});
