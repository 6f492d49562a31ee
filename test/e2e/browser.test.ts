// A real browser (Chromium through playwright-core) walks sign-up -> consent -> the relying party's
// callback -> account chooser -> account page -> logout confirmation -> logout, saving a screenshot of
// every page to test-results/screenshots/ (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, type AdminClient } from './helpers/admin';
import { ROOT } from './helpers/wrangler';
import { TestRelyingParty } from './helpers/test_rp';
import { CHROMIUM_ARGS, chromiumOrSkip } from './helpers/chromium';

const baseUrl = inject('baseUrl');
const admin = new Admin();
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const CHROMIUM = chromiumOrSkip();

const rp = new TestRelyingParty();
let context: BrowserContext;
let profile: string;

const rpPage = (title: string, body: string) =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<style>body{font:16px system-ui,sans-serif;margin:3rem auto;max-width:34rem;color:#1b1d21}h1{font-size:1.4rem}</style></head>` +
  `<body><h1>${title}</h1><p>${body}</p></body></html>`;

describe.skipIf(!CHROMIUM)('in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await rp.start();
    rp.page('/callback', rpPage('Test RP', 'The relying party received the authorization response.'));
    rp.page('/logged-out', rpPage('Test RP: signed out', 'The OP sent the browser back after logout.'));
    rp.page('/fc', '');
    profile = mkdtempSync(join(tmpdir(), 'oidc-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 900, height: 820 },
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await rp.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  test('sign-up, consent, callback, account chooser, account page, logout confirmation and logout', async () => {
    const c = await admin.request<AdminClient>('POST', '/admin/clients', {
      client_name: 'Paper Notes',
      redirect_uris: [`${rp.baseUrl}/callback`],
      post_logout_redirect_uris: [`${rp.baseUrl}/logged-out`],
      frontchannel_logout_uri: `${rp.baseUrl}/fc`,
      backchannel_logout_uri: `${rp.baseUrl}/bc`,
      initiate_login_uri: `${rp.baseUrl}/start`,
    });
    const config = await client.discovery(new URL(baseUrl), c.client_id, c.client_secret, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const [state, nonce] = [client.randomState(), client.randomNonce()];
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${rp.baseUrl}/callback`,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });

    const page = await context.newPage();
    await page.goto(url.href);
    await expect.poll(() => page.title()).toBe('Sign in');
    await shot(page, '01-login');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await expect.poll(() => page.title()).toBe('Create your account');
    await shot(page, '02-signup');
    const username = `grace${Date.now().toString(36)}`;
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Email').fill(`${username}@example.com`);
    await page.getByLabel('Password', { exact: true }).fill('weak');
    await page.getByLabel('Repeat the password').fill('weak');
    // The browser's own checks (minlength) stop this; submit past them to see the server's message.
    await page.locator('form').first().evaluate((f: { setAttribute(name: string, value: string): void }) => f.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('stronger password');
    await shot(page, '03-signup-error');
    await page.getByLabel('Password', { exact: true }).fill('compiler ships at dawn');
    await page.getByLabel('Repeat the password').fill('compiler ships at dawn');
    await page.getByRole('button', { name: 'Create account' }).click();

    await expect.poll(() => page.title()).toBe('Allow Paper Notes?');
    await shot(page, '04-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${rp.baseUrl}/callback?**`);
    await shot(page, '05-rp-callback');
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ given_name: 'Grace', family_name: 'Hopper', preferred_username: username });

    // The account chooser (prompt=select_account) lists the new account.
    await page.goto(client.buildAuthorizationUrl(config, { redirect_uri: `${rp.baseUrl}/callback`, scope: 'openid', prompt: 'select_account', state: 's2', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).href);
    await expect.poll(() => page.title()).toBe('Choose an account');
    await shot(page, '06-select-account');
    await page.getByRole('button', { name: /Grace Hopper/ }).click();
    await page.waitForURL(`${rp.baseUrl}/callback?**`);

    await page.goto(`${baseUrl}/account`);
    await expect.poll(() => page.title()).toBe('Your account');
    expect(await page.getByRole('link', { name: 'Open' }).getAttribute('href')).toContain(`${rp.baseUrl}/start?iss=`);
    await shot(page, '07-account');

    // Without a hint the OP asks; "Stay signed in" changes nothing.
    await page.goto(client.buildEndSessionUrl(config, { client_id: c.client_id, post_logout_redirect_uri: `${rp.baseUrl}/logged-out` }).href);
    await expect.poll(() => page.title()).toBe('Sign out?');
    await shot(page, '08-logout-confirm');
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await expect.poll(() => page.title()).toBe('You are still signed in');

    // With the ID token as hint: the logged-out page frames the front-channel URI, then returns.
    await page.goto(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.baseUrl}/logged-out`, state: 'bye' }).href);
    await expect.poll(() => page.title()).toBe('You are signed out');
    await shot(page, '09-logged-out');
    await page.waitForURL(`${rp.baseUrl}/logged-out?state=bye`, { timeout: 10_000 });
    await shot(page, '10-rp-logged-out');

    const frontChannel = rp.received.find((r) => r.path.startsWith('/fc?'));
    expect(frontChannel).toBeDefined();
    const fc = new URL(frontChannel!.path, rp.baseUrl);
    expect(fc.searchParams.get('iss')).toBe(baseUrl);
    expect(fc.searchParams.get('sid')).toBe(claims.sid);
    await rp.waitFor((r) => r.some((x) => x.path === '/bc' && x.body.has('logout_token')), 15_000);
  });
});
