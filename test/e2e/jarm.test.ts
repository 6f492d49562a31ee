// JARM end to end: a client made with the admin CLI's --authorization-signed-response-alg runs the
// code flow with openid-client's useJwtResponseMode (response_mode=jwt), which verifies the
// response JWT (signature by our JWKS, iss, aud, exp) before redeeming the code inside it.
import * as client from 'openid-client';
import { describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, adminCli, unique } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

describe('JARM (JWT Secured Authorization Response Mode)', () => {
  test('openid-client with useJwtResponseMode: a signed response with the client\'s algorithm, the code redeemed', async () => {
    const made = JSON.parse(
      await adminCli('clients', 'create', '--name', unique('jarm'), '--redirect-uri', REDIRECT_URI, '--authorization-signed-response-alg', 'ES256', '--json'),
    ) as { client_id: string; client_secret: string; authorization_signed_response_alg: string };
    expect(made.authorization_signed_response_alg).toBe('ES256');
    const config = await client.discovery(new URL(baseUrl), made.client_id, { authorization_signed_response_alg: 'ES256' }, client.ClientSecretBasic(made.client_secret), {
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().response_modes_supported).toContain('jwt');
    client.useJwtResponseMode(config);
    const user = await admin.createUser();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('response_mode')).toBe('jwt');
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
    expect([...callback.searchParams.keys()]).toEqual(['response']);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()!.sub).toBe(user.id);

    // A client expecting another algorithm rejects the same kind of response (the alg is checked).
    const strict = await client.discovery(new URL(baseUrl), made.client_id, { authorization_signed_response_alg: 'PS256' }, client.ClientSecretBasic(made.client_secret), {
      execute: [client.allowInsecureRequests],
    });
    client.useJwtResponseMode(strict);
    const again = await authorize(new Browser([baseUrl]), client.buildAuthorizationUrl(strict, { redirect_uri: REDIRECT_URI, scope: 'openid', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }), {
      credentials: user,
      decision: 'allow',
    });
    const refused = await client.authorizationCodeGrant(strict, again.callback, { pkceCodeVerifier: verifier, expectedState: state }).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: Error },
    );
    expect(refused).toBeInstanceOf(Error);
    expect(`${refused!.message} ${refused!.cause?.message ?? ''}`).toMatch(/alg/);
  });

  test('an error (the user denies) comes back as a JARM response that openid-client verifies and reports', async () => {
    const c = await admin.createClient();
    const config = await client.discovery(new URL(baseUrl), c.client_id, c.client_secret, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
    client.useJwtResponseMode(config);
    const user = await admin.createUser();
    const state = client.randomState();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'deny' });
    expect(callback.searchParams.get('error')).toBeNull();
    const err = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(client.AuthorizationResponseError);
    expect((err as client.AuthorizationResponseError).error).toBe('access_denied');
  });
});
