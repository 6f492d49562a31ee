/// <reference types="node" />
// End-to-end token lifecycle with openid-client v6 as the relying party: refresh, client
// credentials, private_key_jwt (keys served from a jwks_uri), client_secret_jwt, revocation and
// introspection.
import { createServer, type Server } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, type AdminClient, type TestUser } from './helpers/admin';
import { Browser } from './helpers/browser';
import { clockPasses } from './helpers/clock';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();

async function discover(clientId: string, auth: client.ClientAuth, metadata: Partial<client.ClientMetadata> = {}) {
  return client.discovery(new URL(baseUrl), clientId, metadata, auth, { execute: [client.allowInsecureRequests] });
}

/** The error code of a rejected openid-client call (ResponseBodyError), with its HTTP status. */
async function oauthError(promise: Promise<unknown>): Promise<{ error: string; status: number }> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof client.ResponseBodyError) return { error: e.error, status: e.status };
    // A 401 invalid_client carries WWW-Authenticate (RFC 6749 §5.2), which openid-client reports
    // as a challenge error; the OAuth error code is still in the JSON body.
    if (e instanceof client.WWWAuthenticateChallengeError) {
      const body = (await e.response.json()) as { error: string };
      return { error: body.error, status: e.status };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** The status of a userinfo call that must be refused with a Bearer challenge. */
async function userinfoRefusal(config: client.Configuration, accessToken: string, sub: string): Promise<{ status: number; error?: string }> {
  try {
    await client.fetchUserInfo(config, accessToken, sub);
  } catch (e) {
    if (e instanceof client.WWWAuthenticateChallengeError) {
      return { status: e.status, error: e.cause[0]?.parameters.error };
    }
    throw e;
  }
  throw new Error('expected userinfo to refuse the token');
}

/** Code flow in the test browser for a first-party client; returns the token response. */
async function codeFlow(config: client.Configuration, user: TestUser, scope = 'openid offline_access profile') {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user, decision: 'allow' });
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
}


describe('refresh tokens with openid-client', () => {
  let registered: AdminClient;
  let config: client.Configuration;
  let user: TestUser;

  beforeAll(async () => {
    registered = await admin.createClientWith({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    config = await discover(registered.client_id, client.ClientSecretBasic(registered.client_secret!), { client_secret: registered.client_secret });
    user = await admin.createUser();
  });

  test('refreshTokenGrant rotates the refresh token; the refreshed ID token keeps sub, auth_time and sid', async () => {
    const tokens = await codeFlow(config, user);
    expect(tokens.refresh_token).toBeTruthy();
    const first = tokens.claims()!;
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    const claims = refreshed.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.auth_time).toBe(first.auth_time);
    expect(claims.sid).toBe(first.sid);
    expect(claims).not.toHaveProperty('nonce');
    const info = await client.fetchUserInfo(config, refreshed.access_token, user.id);
    expect(info.sub).toBe(user.id);
    expect(info.given_name).toBe('Ada');
  });

  test('narrowed scope on refresh; widening is invalid_scope', async () => {
    const tokens = await codeFlow(config, user);
    const narrow = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid' });
    expect(narrow.scope).toBe('openid');
    const wide = await oauthError(client.refreshTokenGrant(config, narrow.refresh_token!, { scope: 'openid offline_access profile email' }));
    expect(wide).toEqual({ error: 'invalid_scope', status: 400 });
  });

  test('a rotated refresh token reused after the reuse interval revokes the family', async () => {
    const tokens = await codeFlow(config, user);
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
    // Past the 5 s reuse interval, counted from the rotation (the new access token's iat).
    await clockPasses(decodeJwt(rotated.access_token).iat! + 5);
    expect(await oauthError(client.refreshTokenGrant(config, tokens.refresh_token!))).toEqual({ error: 'invalid_grant', status: 400 });
    expect(await userinfoRefusal(config, rotated.access_token, user.id)).toEqual({ status: 401, error: 'invalid_token' });
    expect((await client.tokenIntrospection(config, rotated.access_token)).active).toBe(false);
    expect(await oauthError(client.refreshTokenGrant(config, rotated.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
  });

  test("another client's refresh token is invalid_grant", async () => {
    const tokens = await codeFlow(config, user);
    const other = await admin.createClientWith({ first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    const otherConfig = await discover(other.client_id, client.ClientSecretBasic(other.client_secret!));
    expect(await oauthError(client.refreshTokenGrant(otherConfig, tokens.refresh_token!))).toEqual({ error: 'invalid_grant', status: 400 });
  });

  test('revocation and introspection with tokenRevocation / tokenIntrospection', async () => {
    const tokens = await codeFlow(config, user);
    const at = await client.tokenIntrospection(config, tokens.access_token);
    expect(at.active).toBe(true);
    expect(at.client_id).toBe(registered.client_id);
    expect(at.sub).toBe(user.id);
    expect(at.iss).toBe(baseUrl);
    expect(at.token_type).toBe('Bearer');
    expect(at.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access', 'profile']));
    const rt = await client.tokenIntrospection(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    expect(rt.active).toBe(true);
    expect(rt.token_type).toBe('refresh_token');

    await client.tokenRevocation(config, tokens.access_token);
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    expect(await userinfoRefusal(config, tokens.access_token, user.id)).toEqual({ status: 401, error: 'invalid_token' });

    // Revoking the refresh token revokes the family: a fresh access token of it dies too.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    await client.tokenRevocation(config, refreshed.refresh_token!, { token_type_hint: 'refresh_token' });
    expect(await userinfoRefusal(config, refreshed.access_token, user.id)).toMatchObject({ status: 401 });
    expect(await oauthError(client.refreshTokenGrant(config, refreshed.refresh_token!))).toMatchObject({ error: 'invalid_grant' });

    // Unknown tokens: revocation succeeds, introspection says inactive.
    await client.tokenRevocation(config, 'not-a-token-we-issued');
    expect(await client.tokenIntrospection(config, 'not-a-token-we-issued')).toEqual({ active: false });
  });
});

describe('client credentials with openid-client', () => {
  test('clientCredentialsGrant with client_secret_basic; the token is introspectable and refused at userinfo', async () => {
    const registered = await admin.createClientWith({ grant_types: ['client_credentials'], redirect_uris: [], scope: 'api:read api:write' });
    const config = await discover(registered.client_id, client.ClientSecretBasic(registered.client_secret!));
    const all = await client.clientCredentialsGrant(config);
    expect(all.scope?.split(' ').sort()).toEqual(['api:read', 'api:write']);
    expect(all.refresh_token).toBeUndefined();
    expect(all.id_token).toBeUndefined();
    const some = await client.clientCredentialsGrant(config, { scope: 'api:read' });
    expect(some.scope).toBe('api:read');
    expect(await oauthError(client.clientCredentialsGrant(config, { scope: 'api:admin' }))).toEqual({ error: 'invalid_scope', status: 400 });
    expect(await oauthError(client.clientCredentialsGrant(config, { scope: 'openid' }))).toEqual({ error: 'invalid_scope', status: 400 });

    const info = await client.tokenIntrospection(config, some.access_token);
    expect(info).toMatchObject({ active: true, client_id: registered.client_id, sub: registered.client_id, scope: 'api:read' });
    expect(await userinfoRefusal(config, some.access_token, registered.client_id)).toMatchObject({ status: 401 });

    await client.tokenRevocation(config, some.access_token);
    expect((await client.tokenIntrospection(config, some.access_token)).active).toBe(false);
  });
});

describe('private_key_jwt with a jwks_uri', () => {
  let server: Server;
  let jwksUri: string;
  let fetches = 0;
  let es: CryptoKeyPair;
  let rs: CryptoKeyPair;

  beforeAll(async () => {
    es = (await generateKeyPair('ES256', { extractable: true })) as CryptoKeyPair;
    rs = (await generateKeyPair('RS256', { extractable: true })) as CryptoKeyPair;
    const jwks = JSON.stringify({
      keys: [
        { ...(await exportJWK(es.publicKey)), kid: 'rp-es', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(rs.publicKey)), kid: 'rp-rs', alg: 'RS256', use: 'sig' },
      ],
    });
    server = createServer((req, res) => {
      if (req.url === '/jwks') {
        fetches++;
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
        res.end(jwks);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    jwksUri = `http://127.0.0.1:${addr.port}/jwks`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('client credentials and the code flow with client.PrivateKeyJwt; the OP fetched the jwks_uri', async () => {
    const registered = await admin.createClientWith({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: jwksUri,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scope: 'openid profile offline_access api:read',
      first_party: true,
    });
    expect(registered.client_secret).toBeUndefined();
    const config = await discover(registered.client_id, client.PrivateKeyJwt({ key: es.privateKey, kid: 'rp-es' }));
    const cc = await client.clientCredentialsGrant(config);
    expect(cc.scope).toBe('api:read');
    expect(fetches).toBeGreaterThan(0);

    const rsConfig = await discover(registered.client_id, client.PrivateKeyJwt({ key: rs.privateKey, kid: 'rp-rs' }));
    const user = await admin.createUser();
    const tokens = await codeFlow(rsConfig, user);
    expect(tokens.claims()!.sub).toBe(user.id);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(true);
    await client.tokenRevocation(rsConfig, refreshed.refresh_token!);
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  test('an assertion signed with a key that is not in the jwks_uri -> invalid_client', async () => {
    const registered = await admin.createClientWith({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri, grant_types: ['client_credentials'], redirect_uris: [], scope: 'api:read' });
    const stranger = (await generateKeyPair('ES256')) as CryptoKeyPair;
    const config = await discover(registered.client_id, client.PrivateKeyJwt({ key: stranger.privateKey, kid: 'rp-es' }));
    expect(await oauthError(client.clientCredentialsGrant(config))).toEqual({ error: 'invalid_client', status: 401 });
  });

  test('Basic credentials for a private_key_jwt client -> invalid_client', async () => {
    const registered = await admin.createClientWith({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri, grant_types: ['client_credentials'], redirect_uris: [], scope: 'api:read' });
    const config = await discover(registered.client_id, client.ClientSecretBasic('guess'));
    expect(await oauthError(client.clientCredentialsGrant(config))).toEqual({ error: 'invalid_client', status: 401 });
  });
});

describe('client_secret_jwt with openid-client', () => {
  test('client.ClientSecretJwt works at token, introspection and revocation; a wrong secret is invalid_client', async () => {
    const registered = await admin.createClientWith({
      token_endpoint_auth_method: 'client_secret_jwt',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scope: 'openid offline_access api:read',
      first_party: true,
    });
    expect(registered.client_secret).toBeTruthy();
    const config = await discover(registered.client_id, client.ClientSecretJwt(registered.client_secret!));
    const cc = await client.clientCredentialsGrant(config, { scope: 'api:read' });
    expect(cc.scope).toBe('api:read');

    const user = await admin.createUser();
    const tokens = await codeFlow(config, user, 'openid offline_access');
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(true);
    await client.tokenRevocation(config, refreshed.access_token);
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);

    const wrong = await discover(registered.client_id, client.ClientSecretJwt(`${registered.client_secret}x`));
    expect(await oauthError(client.clientCredentialsGrant(wrong))).toEqual({ error: 'invalid_client', status: 401 });
  });
});
