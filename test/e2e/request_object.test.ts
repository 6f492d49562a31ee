// Signed request objects (RFC 9101, OIDC Core §6.1) end to end: openid-client signs the request
// with the client's key; the OP takes the parameters from it.
import * as client from 'openid-client';
import { describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

describe('request objects (RFC 9101)', () => {
  test('openid-client sends a signed request object (JAR) by value and completes the code flow', async () => {
    const { privateKey, publicKey } = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'jar-1', alg: 'ES256' };
    const c = await admin.createClientWith({ jwks: { keys: [jwk] }, request_object_signing_alg: 'ES256', first_party: true });
    expect(c.request_object_signing_alg).toBe('ES256');
    const config = await client.discovery(new URL(baseUrl), c.client_id, c.client_secret, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().request_parameter_supported).toBe(true);
    const user = await admin.createUser();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: REDIRECT_URI, scope: 'openid profile', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' },
      { key: privateKey, kid: 'jar-1' },
    );
    expect(url.searchParams.get('request')).toBeTruthy();
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    expect(tokens.claims()!.sub).toBe(user.id);
  });
});
