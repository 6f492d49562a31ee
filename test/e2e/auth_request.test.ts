// The authentication request parameters of OIDC Core §3.1.2.1 end to end, the way the OpenID
// conformance modules use them: id_token_hint with prompt=none, max_age, the claims parameter,
// prompt=create and ui_locales, through openid-client.
import * as client from 'openid-client';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, type AdminClient, type TestUser } from './helpers/admin';
import { Browser } from './helpers/browser';
import { clockPasses } from './helpers/clock';
import { authorize } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();
let user: TestUser;
let rp: AdminClient;
let config: client.Configuration;

beforeAll(async () => {
  user = await admin.createUser();
  rp = await admin.createClient();
  config = await client.discovery(new URL(baseUrl), rp.client_id, rp.client_secret, client.ClientSecretBasic(rp.client_secret!), { execute: [client.allowInsecureRequests] });
});

async function flow(browser: Browser, params: Record<string, string>, credentials?: TestUser) {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state, nonce, ...params });
  const { callback, pages } = await authorize(browser, url, { credentials });
  if (callback.searchParams.has('error')) return { error: callback.searchParams.get('error'), pages };
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  return { tokens, claims: tokens.claims()!, pages };
}

describe('authentication request parameters', () => {
  test('id_token_hint with prompt=none answers silently for the same user, with the same auth_time', async () => {
    const browser = new Browser([baseUrl]);
    const first = await flow(browser, {}, user);
    const second = await flow(browser, { prompt: 'none', id_token_hint: first.tokens!.id_token! });
    expect(second.pages).toEqual([]);
    expect(second.claims!.sub).toBe(first.claims!.sub);
    expect(second.claims!.auth_time).toBe(first.claims!.auth_time);
    expect(second.claims!.sid).toBe(first.claims!.sid);
  });

  test('max_age=1 after two seconds asks for the password again and moves auth_time on', async () => {
    const browser = new Browser([baseUrl]);
    const first = await flow(browser, {}, user);
    await clockPasses(first.claims!.auth_time! + 1); // older than max_age=1
    const second = await flow(browser, { max_age: '1' }, user);
    expect(second.pages).toEqual(['login']);
    expect(second.claims!.auth_time!).toBeGreaterThan(first.claims!.auth_time!);
    const kept = await flow(browser, { max_age: '10000' });
    expect(kept.pages).toEqual([]);
    expect(kept.claims!.auth_time).toBe(second.claims!.auth_time);
  });

  test('the claims parameter puts name in the ID token and email in userinfo, with acr', async () => {
    const browser = new Browser([baseUrl]);
    const claims = JSON.stringify({ id_token: { name: { essential: true } }, userinfo: { email: { essential: true } } });
    const result = await flow(browser, { claims, acr_values: '1' }, user);
    expect(result.claims).toMatchObject({ name: 'Ada Lovelace', acr: '1' });
    expect(result.claims).not.toHaveProperty('email');
    const info = await client.fetchUserInfo(config, result.tokens!.access_token, user.id);
    expect(info.email).toBe(user.email);
    expect(info).not.toHaveProperty('name');
    expect(config.serverMetadata().claims_parameter_supported).toBe(true);
  });

  test('prompt=none after the session is gone is login_required; prompt=create opens the sign-up page in the asked language', async () => {
    const none = await flow(new Browser([baseUrl]), { prompt: 'none', state: 'x'.repeat(128) });
    expect(none.error).toBe('login_required');
    const browser = new Browser([baseUrl]);
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's', nonce: 'n', prompt: 'create', ui_locales: 'fr' });
    const { page } = await browser.navigate(url);
    expect(page!.body).toContain('<html lang="fr">');
    expect(page!.body).toContain('Créez votre compte');
    expect(page!.forms.some((f) => f.action.endsWith('/signup'))).toBe(true);
  });
});
