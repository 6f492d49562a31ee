// Issue 13: APIs as resource servers, end to end. Two APIs made with the admin CLI, one client
// driven by openid-client v6: each access token carries its API's aud and scopes (RFC 8707,
// RFC 9068), each API introspects only its own tokens (RFC 7662) and validates them offline
// against the JWKS with jose, as README "APIs" shows. Also: per-client id_token_claims.
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, adminCli, unique, type AdminClient, type TestUser } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();
const jwks = createRemoteJWKSet(new URL(`${baseUrl}/jwks`));

interface CreatedApi {
  identifier: string;
  client_id: string;
  client_secret: string;
}

const discover = (c: AdminClient) =>
  client.discovery(new URL(baseUrl), c.client_id, { client_secret: c.client_secret }, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });

/** An API's own view of the OP: its introspection credential, client_secret_basic. */
async function asApi(config: client.Configuration, api: CreatedApi): Promise<client.Configuration> {
  const c = new client.Configuration(config.serverMetadata(), api.client_id, { client_secret: api.client_secret }, client.ClientSecretBasic(api.client_secret));
  client.allowInsecureRequests(c);
  return c;
}

let user: TestUser;
let orders: CreatedApi;
let billing: CreatedApi;
let tag: string;
beforeAll(async () => {
  user = await admin.createUser();
  tag = unique('t').replace(/[^a-z0-9]/g, '');
  // `apis create … --json` prints exactly { identifier, client_id, client_secret } (an interface).
  const out = await adminCli('apis', 'create', '--identifier', `https://orders-${tag}.example.com/`, '--name', 'Orders', '--scope', `orders-${tag}:read`, '--scope', `orders-${tag}:write`, '--access-token-ttl', '300', '--json');
  orders = JSON.parse(out) as CreatedApi;
  billing = JSON.parse(await adminCli('apis', 'create', '--identifier', `urn:example:billing-${tag}`, '--name', 'Billing', '--scope', `billing-${tag}:read`, '--json')) as CreatedApi;
});

describe('APIs (RFC 8707 resource indicators)', () => {
  test('the CLI prints the credential shape, and lists and shows the API', async () => {
    expect(Object.keys(orders).sort()).toEqual(['client_id', 'client_secret', 'identifier']);
    expect(orders.identifier).toBe(`https://orders-${tag}.example.com/`);
    expect(orders.client_id).toMatch(/^api_/);
    expect(orders.client_secret.length).toBeGreaterThanOrEqual(43);
    const shown = JSON.parse(await adminCli('apis', 'get', orders.identifier, '--json')) as Record<string, unknown>;
    expect(shown).toMatchObject({ identifier: orders.identifier, name: 'Orders', scopes: [`orders-${tag}:read`, `orders-${tag}:write`], access_token_ttl: 300 });
    expect(shown).not.toHaveProperty('client_secret');
    expect(await adminCli('apis', 'list')).toContain(billing.identifier);
    const updated = JSON.parse(await adminCli('apis', 'update', billing.client_id, '--name', 'Billing v2', '--json')) as Record<string, unknown>;
    expect(updated.name).toBe('Billing v2');
  });

  test('two APIs, one client: each token has its aud and scopes; each API introspects only its own; offline validation with jose', async () => {
    const rp = await admin.createClientWith({
      first_party: true,
      grant_types: ['authorization_code', 'refresh_token'],
      scope: `openid email offline_access orders-${tag}:read orders-${tag}:write billing-${tag}:read`,
    });
    const config = await discover(rp);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const scope = `openid email offline_access orders-${tag}:read billing-${tag}:read`;
    const params = { redirect_uri: REDIRECT_URI, scope, state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };

    // Scopes of two APIs without a resource: invalid_target (RFC 8707 §2).
    const refused = await authorize(new Browser([baseUrl]), client.buildAuthorizationUrl(config, params), { credentials: user });
    expect(refused.callback.searchParams.get('error')).toBe('invalid_target');

    const { callback } = await authorize(new Browser([baseUrl]), client.buildAuthorizationUrl(config, { ...params, resource: orders.identifier }), { credentials: user });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, { resource: orders.identifier });
    const forOrders = decodeJwt(tokens.access_token);
    expect(forOrders.aud).toBe(orders.identifier);
    expect(forOrders.scope).toBe(`orders-${tag}:read`);
    expect(tokens.expires_in).toBe(300);
    // The ID token (id_token_claims scope, the default) carries the email claim.
    expect(tokens.claims()!.email).toBe(user.email);

    // The same grant, refreshed for the other API.
    const forBillingSet = await client.refreshTokenGrant(config, tokens.refresh_token!, { resource: billing.identifier });
    const forBilling = decodeJwt(forBillingSet.access_token);
    expect(forBilling.aud).toBe(billing.identifier);
    expect(forBilling.scope).toBe(`billing-${tag}:read`);

    // RFC 7662: each API sees its own tokens only.
    const ordersApi = await asApi(config, orders);
    const billingApi = await asApi(config, billing);
    expect(await client.tokenIntrospection(ordersApi, tokens.access_token)).toMatchObject({ active: true, aud: orders.identifier, scope: `orders-${tag}:read`, sub: user.id, client_id: rp.client_id });
    expect((await client.tokenIntrospection(ordersApi, forBillingSet.access_token)).active).toBe(false);
    expect(await client.tokenIntrospection(billingApi, forBillingSet.access_token)).toMatchObject({ active: true, aud: billing.identifier });
    expect((await client.tokenIntrospection(billingApi, tokens.access_token)).active).toBe(false);
    // A wrong secret is no credential.
    await expect(client.tokenIntrospection(await asApi(config, { ...orders, client_secret: 'x'.repeat(43) }), tokens.access_token)).rejects.toThrow();

    // RFC 9068 §4: offline validation against the JWKS, as README "APIs" shows.
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: baseUrl, audience: orders.identifier, typ: 'at+jwt' });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload.sub).toBe(user.id);
    await expect(jwtVerify(forBillingSet.access_token, jwks, { issuer: baseUrl, audience: orders.identifier, typ: 'at+jwt' })).rejects.toThrow();

    // The userinfo endpoint is not either API: the token for Orders is refused there.
    await expect(client.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toThrow();
  });

  test('id_token_claims (CLI --id-token-claims): minimal leaves the scope claims to userinfo; scope puts them in the ID token', async () => {
    const out = await adminCli('clients', 'create', '--name', unique('minimal'), '--redirect-uri', REDIRECT_URI, '--first-party', '--id-token-claims', 'minimal', '--json');
    const rp = JSON.parse(out) as AdminClient & { id_token_claims?: string };
    expect(rp.id_token_claims).toBe('minimal');
    const config = await discover(rp);
    const browser = new Browser([baseUrl]);
    const signIn = async () => {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile email', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      const { callback } = await authorize(browser, url, { credentials: user });
      return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    };
    const minimal = await signIn();
    const claims = minimal.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('given_name');
    expect((await client.fetchUserInfo(config, minimal.access_token, user.id)).email).toBe(user.email);

    await adminCli('clients', 'update', rp.client_id, '--id-token-claims', 'scope');
    const full = (await signIn()).claims()!;
    expect(full).toMatchObject({ sub: user.id, email: user.email, given_name: 'Ada', family_name: 'Lovelace' });
  });
});
