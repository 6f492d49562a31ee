// A real browser (Chromium) takes the "Continue with" path (issue 11): our sign-in page, the
// upstream (oidc-provider, signing the chosen account in), our consent page, the relying party's
// callback; screenshots in test-results/screenshots/ (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, adminCli, type AdminClient } from './helpers/admin';
import { CHROMIUM_ARGS, chromiumOrSkip } from './helpers/chromium';
import { TestRelyingParty } from './helpers/test_rp';
import { startUpstreamOp, type UpstreamOp } from './helpers/upstream_op';
import { ROOT } from './helpers/wrangler';

const baseUrl = inject('baseUrl');
const admin = new Admin();
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const CHROMIUM = chromiumOrSkip();
const slug = `corp-${Date.now().toString(36)}`;

describe.skipIf(!CHROMIUM)('"Continue with" in a real browser', () => {
  const rp = new TestRelyingParty();
  let upstream: UpstreamOp;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await rp.start();
    rp.page('/callback', '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test RP</title></head><body><h1>Test RP</h1><p>Signed in through Corp SSO.</p></body></html>');
    upstream = await startUpstreamOp({ redirectUris: [`${baseUrl}/upstream/${slug}/callback`] });
    await adminCli('upstreams', 'create', '--name', 'Corp SSO', '--slug', slug, '--issuer', upstream.issuer, '--client-id', upstream.clientId, '--client-secret', upstream.clientSecret);
    profile = mkdtempSync(join(tmpdir(), 'oidc-chromium-up-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 900, height: 820 } });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await rp.stop();
    await upstream?.stop();
    await admin.request('DELETE', `/admin/upstreams/${slug}`).catch(() => {});
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  test('sign-in page -> Continue with Corp SSO -> consent -> the relying party', async () => {
    const c = await admin.request<AdminClient>('POST', '/admin/clients', { client_name: 'Paper Notes', redirect_uris: [`${rp.baseUrl}/callback`] });
    const config = await client.discovery(new URL(baseUrl), c.client_id, { client_secret: c.client_secret }, client.ClientSecretBasic(c.client_secret!), { execute: [client.allowInsecureRequests] });
    const sub = `grace-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@corp.example`, email_verified: true, name: 'Grace Hopper' });
    upstream.next = { account: sub };
    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${rp.baseUrl}/callback`, scope: 'openid profile email', state: checks.state, nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier), code_challenge_method: 'S256',
    });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(url.href);
    // This upstream's button (other test files may have added upstreams to the same OP).
    const button = page.locator(`a[data-upstream][href^="/upstream/${slug}/start"]`);
    await expect(button.textContent()).resolves.toBe('Continue with Corp SSO');
    await expect(button.isVisible()).resolves.toBe(true);
    await shot(page, 'upstream-01-sign-in-continue-with');
    await button.click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await shot(page, 'upstream-02-consent-after-upstream');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${rp.baseUrl}/callback?**`);
    await shot(page, 'upstream-03-relying-party');
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });
    expect(tokens.claims()!.amr).toContain('fed');
    expect((await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).name).toBe('Grace Hopper');
    expect(cspViolations).toEqual([]);
    await page.close();
  });
});
