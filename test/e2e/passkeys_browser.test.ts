// Passkeys in a real browser: Chromium (playwright-core) with a CDP virtual authenticator (CTAP2,
// internal transport, resident keys, user verification). Passwordless sign-up -> consent -> the
// relying party's callback (amr checked); sign-out; passkey sign-in without typing a username; a
// passkey added to a password account from the account page; acr_values=phr forcing the passkey.
// Screenshots of every page go to test-results/screenshots/passkeys-*.png (git-ignored).
//
// WebAuthn refuses an IP address as RP ID, so the OP is reached as http://localhost:<port>: without
// ISSUER, a loopback host is its own issuer (src/settings.ts issuerFor), and localhost is a secure context.
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

const op = inject('baseUrl').replace('127.0.0.1', 'localhost');
const admin = new Admin();
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const CHROMIUM = chromiumOrSkip();
const rp = new TestRelyingParty();
let context: BrowserContext;
let profile: string;

describe.skipIf(!CHROMIUM)('passkeys in a real browser (virtual authenticator)', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await rp.start();
    rp.page('/callback', '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test RP</title></head><body><h1>Test RP</h1></body></html>');
    rp.page('/logged-out', '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test RP: signed out</title></head><body><h1>Signed out</h1></body></html>');
    profile = mkdtempSync(join(tmpdir(), 'oidc-chromium-pk-'));
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

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `passkeys-${name}.png`), fullPage: true });

  /** A page with its own virtual platform authenticator (CDP WebAuthn domain). */
  async function pageWithAuthenticator(): Promise<{ page: Page; credentials: () => Promise<{ credentialId: string; isResidentCredential: boolean }[]> }> {
    const page = await context.newPage();
    page.on('console', (m) => console.log(`[browser ${m.type()}] ${m.text()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) console.log(`[http ${r.status()}] ${r.request().method()} ${r.url()}`);
    });
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    return { page, credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials };
  }

  async function relyingParty(c: AdminClient) {
    const config = await client.discovery(new URL(op), c.client_id, c.client_secret, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    return {
      config,
      url: (extra: Record<string, string> = {}, state = client.randomState()) => ({
        state,
        href: client.buildAuthorizationUrl(config, { redirect_uri: `${rp.baseUrl}/callback`, scope: 'openid profile', state, code_challenge: challenge, code_challenge_method: 'S256', ...extra }).href,
      }),
      tokens: (page: Page, state: string) => client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true }),
    };
  }

  test('passwordless sign-up, sign-out, passkey sign-in without a username, a passkey added on the account page, acr_values=phr', async () => {
    const c = await admin.request<AdminClient>('POST', '/admin/clients', {
      client_name: 'Paper Notes',
      redirect_uris: [`${rp.baseUrl}/callback`],
      post_logout_redirect_uris: [`${rp.baseUrl}/logged-out`],
    });
    const app = await relyingParty(c);
    const { page, credentials } = await pageWithAuthenticator();

    // 1. Passwordless sign-up.
    let req = app.url();
    await page.goto(req.href);
    await expect.poll(() => page.title()).toBe('Sign in');
    await expect.poll(() => page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(true);
    await shot(page, '01-login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await expect.poll(() => page.title()).toBe('Create your account');
    const username = `ada${Date.now().toString(36)}`;
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Email').fill(`${username}@example.com`);
    await shot(page, '02-signup');
    await page.getByRole('button', { name: 'Create the account with a passkey instead (no password)' }).click();
    await expect.poll(() => page.title(), { timeout: 15_000 }).toBe('Allow Paper Notes?');
    await shot(page, '03-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${rp.baseUrl}/callback?**`);
    await shot(page, '04-rp-callback');
    let tokens = await app.tokens(page, req.state);
    const first = tokens.claims()!;
    expect(first.amr).toEqual(['hwk', 'user']);
    expect(first.acr).toBe('1');
    const stored = await credentials();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.isResidentCredential).toBe(true);
    const user = await admin.request<{ has_password: boolean; passkeys: { id: string }[] }>('GET', `/admin/users/${first.sub}`);
    expect(user.has_password).toBe(false);
    expect(user.passkeys.map((p) => p.id)).toEqual([stored[0]!.credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')]);

    // 2. Sign out.
    await page.goto(client.buildEndSessionUrl(app.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.baseUrl}/logged-out`, state: 'bye' }).href);
    await page.waitForURL(`${rp.baseUrl}/logged-out?state=bye`, { timeout: 15_000 });

    // 3. Passkey sign-in, no username typed: either the autofill (conditional mediation) completes
    // on its own (the virtual authenticator simulates the user's presence) or the button does.
    req = app.url();
    await page.goto(req.href);
    const viaAutofill = await page.waitForURL(`${rp.baseUrl}/callback?**`, { timeout: 4_000 }).then(
      () => true,
      () => false,
    );
    if (!viaAutofill) {
      expect(await page.title()).toBe('Sign in');
      expect(await page.getByLabel('Username or email').getAttribute('autocomplete')).toBe('username webauthn');
      await shot(page, '05-login-passkey');
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.waitForURL(`${rp.baseUrl}/callback?**`, { timeout: 15_000 });
    }
    tokens = await app.tokens(page, req.state);
    expect(tokens.claims()!.sub).toBe(first.sub);
    expect(tokens.claims()!.amr).toEqual(['hwk', 'user']);
    await page.goto(client.buildEndSessionUrl(app.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.baseUrl}/logged-out`, state: 'bye2' }).href);
    await page.waitForURL(`${rp.baseUrl}/logged-out?state=bye2`, { timeout: 15_000 });
    await page.close();

    // 4. A password account: sign in with the password ("Not now" to the offer), then add a passkey on the account page.
    // Another device (a fresh authenticator, no passkey yet), so autofill offers nothing here.
    const second = await pageWithAuthenticator();
    const page2 = second.page;
    const pw = { username: `grace${Date.now().toString(36)}`, password: 'compiler ships at dawn' };
    await admin.request('POST', '/admin/users', { ...pw, email: `${pw.username}@example.com`, given_name: 'Grace', family_name: 'Hopper' });
    req = app.url();
    await page2.goto(req.href);
    await expect.poll(() => page2.title()).toBe('Sign in');
    await page2.getByLabel('Username or email').fill(pw.username);
    await page2.getByLabel('Password').fill(pw.password);
    await page2.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page2.title()).toBe('Sign in faster next time?');
    await shot(page2, '06-offer');
    await page2.getByRole('button', { name: 'Not now' }).click();
    await expect.poll(() => page2.title()).toBe('Allow Paper Notes?');
    await page2.getByRole('button', { name: 'Allow' }).click();
    await page2.waitForURL(`${rp.baseUrl}/callback?**`);
    tokens = await app.tokens(page2, req.state);
    expect(tokens.claims()!.amr).toEqual(['pwd']);
    const graceSub = tokens.claims()!.sub;
    await page2.goto(`${op}/account`);
    await expect.poll(() => page2.title()).toBe('Your account');
    await expect.poll(() => page2.getByText('You have no passkey yet.').isVisible()).toBe(true);
    await page2.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => page2.getByText('Passkey added.').isVisible(), { timeout: 15_000 }).toBe(true);
    await shot(page2, '07-account-passkeys');
    expect(await second.credentials()).toHaveLength(1);
    expect((await admin.request<{ passkeys: unknown[] }>('GET', `/admin/users/${graceSub}`)).passkeys).toHaveLength(1);

    // 5. acr_values=phr: the password session is not enough; the page offers the passkey only.
    req = app.url({ acr_values: 'phr' });
    await page2.goto(req.href);
    await expect.poll(() => page2.title()).toBe('Sign in');
    expect(await page2.locator('input[name="password"]').count()).toBe(0);
    await expect.poll(() => page2.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(true);
    await shot(page2, '08-phr-login');
    await page2.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page2.waitForURL(`${rp.baseUrl}/callback?**`, { timeout: 15_000 });
    await shot(page2, '09-phr-callback');
    tokens = await app.tokens(page2, req.state);
    expect(tokens.claims()!.sub).toBe(graceSub);
    expect(tokens.claims()!.acr).toBe('phr');
    expect(tokens.claims()!.amr).toEqual(['hwk', 'user']);
  });
});
