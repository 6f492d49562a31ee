// Pushed authorization requests (RFC 9126) end to end: the admin CLI makes a client that must use
// PAR (--require-par), openid-client pushes its request and runs the code flow with the request_uri.
import * as client from 'openid-client';
import { describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, adminCli, unique } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

const cli = adminCli;

describe('pushed authorization requests (RFC 9126)', () => {
  test('a client made with --require-par pushes its request with openid-client and completes the code flow', async () => {
    const made = JSON.parse(await cli('clients', 'create', '--name', unique('par'), '--redirect-uri', REDIRECT_URI, '--require-par', '--json')) as { client_id: string; client_secret: string; require_pushed_authorization_requests: boolean };
    expect(made.require_pushed_authorization_requests).toBe(true);
    const config = await client.discovery(new URL(baseUrl), made.client_id, made.client_secret, client.ClientSecretBasic(made.client_secret), { execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().pushed_authorization_request_endpoint).toBe(`${baseUrl}/par`);
    const user = await admin.createUser();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const params = { redirect_uri: REDIRECT_URI, scope: 'openid profile email', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };

    // Without PAR the request is refused, back at the client (its redirect_uri is registered).
    const direct = await authorize(new Browser([baseUrl]), client.buildAuthorizationUrl(config, params), {});
    expect(direct.callback.searchParams.get('error')).toBe('invalid_request');
    expect(direct.callback.searchParams.get('code')).toBeNull();

    const url = await client.buildAuthorizationUrlWithPAR(config, params);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()!.sub).toBe(user.id);

    // The request_uri was used up: the same URL again is an error page, not a second code.
    const again = await fetch(url, { redirect: 'manual' });
    expect(again.status).toBe(400);
    await again.body?.cancel();
  });

  test('a pushed request with an unregistered redirect_uri is refused as JSON to the client', async () => {
    const c = await admin.createClient();
    const config = await client.discovery(new URL(baseUrl), c.client_id, c.client_secret, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
    const err = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: 'http://127.0.0.1:3000/other', scope: 'openid' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect((err as client.ResponseBodyError).error).toBe('invalid_request');
    expect((err as client.ResponseBodyError).status).toBe(400);
  });
});
