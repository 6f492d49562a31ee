// Signing in through an upstream OpenID provider (issue 11): our OP as an SSO broker in front of a
// real, independent OP (the certified `oidc-provider`, started here on loopback), with openid-client
// as our relying party.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, test, vi } from 'vitest';
import { Admin, adminCli, REDIRECT_URI, unique, type AdminClient } from './helpers/admin';
import { Browser, type Page } from './helpers/browser';
import { startUpstreamOp, type UpstreamOp } from './helpers/upstream_op';
import { freePort } from './helpers/wrangler';
import { TestRelyingParty } from './helpers/test_rp';
import { generateKeyPair, SignJWT } from 'jose';

const baseUrl = inject('baseUrl');
const admin = new Admin();

let upstream: UpstreamOp;
let rp: AdminClient;
let config: client.Configuration;
const slug = `idp-${Date.now().toString(36)}`;
const linkSlug = `${slug}-link`;
const endSlug = `${slug}-end`;
/** Authenticates at the upstream with private_key_jwt; `strangerSlug` uses the same client_id with a key the upstream does not know. */
const keySlug = `${slug}-key`;
const strangerSlug = `${slug}-stranger`;
const KEY_CLIENT_ID = 'broker-with-key';

async function authorizationUrl(extra: Record<string, string> = {}) {
  const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    state: checks.state,
    nonce: checks.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url, checks };
}

const continueLink = (page: Page, name: string): URL | undefined => {
  const m = new RegExp(`<a class="button wide" href="([^"]+)" data-upstream="true">Continue with ${name}</a>`).exec(page.body);
  return m ? new URL(m[1]!.replace(/&amp;/g, '&'), page.url) : undefined;
};

/** Walks our consent page if it shows; returns where the browser left to (the RP's callback). */
async function untilCallback(browser: Browser, step: { page?: Page; left?: URL }): Promise<URL> {
  for (let i = 0; i < 4 && !step.left; i++) {
    const page = step.page!;
    const consent = page.forms.find((f) => f.action.endsWith('/consent'));
    if (!consent) throw new Error(`unexpected page ${page.url} (${page.status}): ${page.body.slice(0, 1500)}`);
    step = await browser.submit(page, consent, {}, consent.buttons.find((b) => b.value === 'allow'));
  }
  return step.left!;
}

/** A full sign-in of `account` at the upstream through our sign-in page's "Continue with" link. */
async function signInThroughUpstream(account: string, browser = new Browser([baseUrl, upstream.issuer]), extra: Record<string, string> = {}) {
  upstream.next = { account };
  const { url, checks } = await authorizationUrl(extra);
  const first = await browser.navigate(url);
  const link = continueLink(first.page!, 'Upstream IdP');
  expect(link, first.page?.body.slice(0, 2000)).toBeDefined();
  const callback = await untilCallback(browser, await browser.navigate(link!));
  expect(callback.searchParams.get('error')).toBeNull();
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true });
  return { tokens, claims: tokens.claims()!, browser };
}

/** Follows redirects (GET) in `browser` until one points at `path` on our OP; returns that URL, not visited. */
async function redirectsUntil(browser: Browser, start: URL, path: string): Promise<URL> {
  let current = start;
  for (let i = 0; i < 15; i++) {
    if (current.origin === baseUrl && current.pathname === path) return current;
    const res = await browser.request(current);
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${current} (${res.status})`);
    current = new URL(location, current);
  }
  throw new Error(`never reached ${path}`);
}

beforeAll(async () => {
  upstream = await startUpstreamOp({
    redirectUris: [`${baseUrl}/upstream/${slug}/callback`, `${baseUrl}/upstream/${linkSlug}/callback`, `${baseUrl}/upstream/${endSlug}/callback`],
    postLogoutRedirectUris: [`${baseUrl}/upstream/${endSlug}/logged-out`],
    backchannelLogoutUri: `${baseUrl}/upstream/${slug}/backchannel-logout`,
    keyClient: {
      clientId: KEY_CLIENT_ID,
      jwksUri: `${baseUrl}/upstream/${keySlug}/jwks`,
      redirectUris: [`${baseUrl}/upstream/${keySlug}/callback`, `${baseUrl}/upstream/${strangerSlug}/callback`],
    },
  });
  const out = await adminCli(
    'upstreams', 'create', '--name', 'Upstream IdP', '--slug', slug, '--issuer', upstream.issuer,
    '--client-id', upstream.clientId, '--client-secret', upstream.clientSecret,
    '--claim', 'nickname=preferred_username', '--claim', 'attributes.department=department', '--json',
  );
  expect(JSON.parse(out)).toEqual({ slug, redirect_uri: `${baseUrl}/upstream/${slug}/callback` });
  rp = await admin.createClient({ name: unique('broker-rp') });
  config = await client.discovery(new URL(baseUrl), rp.client_id, { client_secret: rp.client_secret }, client.ClientSecretBasic(rp.client_secret!), { execute: [client.allowInsecureRequests] });
}, 120_000);

afterAll(async () => {
  // The OP under test is shared by every e2e file: its sign-in pages go back to having no upstream.
  for (const s of [slug, linkSlug, endSlug, keySlug, strangerSlug]) await admin.request('DELETE', `/admin/upstreams/${s}`).catch(() => {});
  await upstream?.stop();
});

describe('signing in through an upstream provider', () => {
  test('the CLI lists and shows it, never with its secret', async () => {
    const list = JSON.parse(await adminCli('upstreams', 'list', '--json')) as { upstreams: { slug: string }[] };
    expect(list.upstreams.map((u) => u.slug)).toContain(slug);
    const one = await adminCli('upstreams', 'get', slug, '--json');
    expect(JSON.parse(one)).toMatchObject({ slug, issuer: upstream.issuer, client_id: upstream.clientId });
    expect(one).not.toContain(upstream.clientSecret);
  });

  test('the first sign-in creates a local user (mapped claims, amr fed, the upstream acr); the second reuses it', async () => {
    const sub = `alice-${crypto.randomUUID().slice(0, 8)}`;
    const email = `${sub}@upstream.example`;
    upstream.accounts.set(sub, { email, email_verified: true, name: 'Alice Upstream', given_name: 'Alice', family_name: 'Upstream', preferred_username: 'alice_up', department: 'research' });
    const first = await signInThroughUpstream(sub);
    const at = Math.floor(Date.now() / 1000);
    expect(first.claims.iss).toBe(baseUrl);
    expect(first.claims.amr).toContain('fed');
    expect(first.claims.acr).toBe('urn:upstream:mfa');
    expect(first.claims.auth_time).toBeLessThanOrEqual(at + 2);
    const info = await client.fetchUserInfo(config, first.tokens.access_token, first.claims.sub);
    expect(info).toMatchObject({ email, email_verified: true, name: 'Alice Upstream', given_name: 'Alice', family_name: 'Upstream' });
    const user = await admin.request<{ id: string; claims: Record<string, unknown>; attributes: Record<string, unknown>; has_password: boolean }>('GET', `/admin/users/${first.claims.sub}`);
    // The claim mapping: nickname from preferred_username, an attribute from a custom claim.
    expect(user.claims.nickname).toBe('alice_up');
    expect(user.attributes.department).toBe('research');
    expect(user.has_password).toBe(false);

    // The upstream changes a claim: the second sign-in (another browser) reaches the same user, refreshed.
    upstream.accounts.set(sub, { ...upstream.accounts.get(sub), name: 'Alice Renamed' });
    const second = await signInThroughUpstream(sub);
    expect(second.claims.sub).toBe(first.claims.sub);
    const again = await client.fetchUserInfo(config, second.tokens.access_token, second.claims.sub);
    expect(again.name).toBe('Alice Renamed');
  });

  test('a user disabled by an operator cannot sign in through the upstream either (access_denied, no code)', async () => {
    const sub = `dora-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, email_verified: true, name: 'Dora' });
    const first = await signInThroughUpstream(sub);
    await admin.request('POST', `/admin/users/${first.claims.sub}/disable`);
    upstream.next = { account: sub };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { url } = await authorizationUrl({ idp_hint: slug });
    let step = await browser.navigate(url);
    for (let i = 0; i < 4 && !step.left; i++) {
      const consent = step.page?.forms.find((f) => f.action.endsWith('/consent'));
      if (!consent) break;
      step = await browser.submit(step.page!, consent, {}, consent.buttons.find((b) => b.value === 'allow'));
    }
    expect(step.left, step.page?.body.slice(0, 1000)).toBeDefined();
    expect(step.left!.searchParams.get('error')).toBe('access_denied');
    expect(step.left!.searchParams.get('code')).toBeNull();
  });

  test('idp_hint goes straight to the upstream, skipping our sign-in page; an unknown one is invalid_request', async () => {
    const sub = `bob-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, email_verified: true, name: 'Bob' });
    upstream.next = { account: sub };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { url, checks } = await authorizationUrl({ idp_hint: slug });
    const callback = await untilCallback(browser, await browser.navigate(url));
    // No sign-in page of ours was shown: /authorize went to /upstream/<slug>/start directly.
    expect(browser.history[0]!.location).toContain(`/upstream/${slug}/start?interaction=`);
    const beforeUpstream = browser.history.slice(0, browser.history.findIndex((h) => h.url.startsWith(upstream.issuer)));
    expect(beforeUpstream.map((h) => new URL(h.url).pathname)).toEqual(['/authorize', `/upstream/${slug}/start`]);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });
    expect(tokens.claims()!.amr).toContain('fed');

    const unknown = await authorizationUrl({ idp_hint: 'no-such-idp' });
    const step = await new Browser([baseUrl]).navigate(unknown.url);
    expect(step.left?.searchParams.get('error')).toBe('invalid_request');
    expect(step.left?.searchParams.get('state')).toBe(unknown.checks.state);
  });

  test('a tampered state is refused with our error page, and nothing is signed in', async () => {
    const sub = `eve-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, name: 'Eve' });
    upstream.next = { account: sub };
    // The browser follows the redirects until the upstream sends it back to our callback.
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { url } = await authorizationUrl({ idp_hint: slug });
    const back = await redirectsUntil(browser, url, `/upstream/${slug}/callback`);
    expect(back.pathname).toBe(`/upstream/${slug}/callback`);
    const state = back.searchParams.get('state')!;
    const tampered = new URL(back);
    tampered.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
    const res = await browser.request(tampered);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This sign-in cannot be completed');
    // Without this browser's interaction cookie, the genuine answer is refused too.
    const stranger = await new Browser([baseUrl]).request(back);
    expect(stranger.status).toBe(400);
    const step = await browser.navigate(back);
    // The genuine answer in the right browser still completes (the tampered one changed nothing).
    const callback = await untilCallback(browser, step);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  test('a nonce changed on the way to the upstream: the ID token is refused, the relying party gets access_denied, no user is made', async () => {
    const sub = `mallory-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, email_verified: true, name: 'Mallory' });
    upstream.next = { account: sub };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { url, checks } = await authorizationUrl({ idp_hint: slug });
    // Up to the redirect to the upstream's authorization endpoint, whose nonce is then replaced.
    const toAuthorize = await (async () => {
      let current = url;
      for (let i = 0; i < 5; i++) {
        const res = await browser.request(current);
        current = new URL(res.headers.get('location')!, current);
        if (current.origin === upstream.issuer) return current;
      }
      throw new Error('never reached the upstream');
    })();
    expect(toAuthorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(toAuthorize.searchParams.get('nonce')).toBeTruthy();
    toAuthorize.searchParams.set('nonce', 'attacker-chosen-nonce');
    const step = await browser.navigate(toAuthorize);
    expect(step.left?.origin + step.left!.pathname).toBe(REDIRECT_URI);
    expect(step.left!.searchParams.get('error')).toBe('access_denied');
    expect(step.left!.searchParams.get('state')).toBe(checks.state);
    const users = await admin.request<{ users: { claims: { name?: string } }[] }>('GET', '/admin/users');
    expect(users.users.some((u) => u.claims.name === 'Mallory')).toBe(false);
  });

  test('the upstream answers access_denied: our relying party gets access_denied', async () => {
    upstream.next = { error: 'access_denied' };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { url, checks } = await authorizationUrl({ idp_hint: slug });
    const step = await browser.navigate(url);
    expect(step.left?.origin + step.left!.pathname).toBe(REDIRECT_URI);
    expect(step.left!.searchParams.get('error')).toBe('access_denied');
    expect(step.left!.searchParams.get('state')).toBe(checks.state);
    expect(step.left!.searchParams.get('iss')).toBe(baseUrl);
  });

  test('an upstream that is down: our relying party gets temporarily_unavailable', async () => {
    const downSlug = `${slug}-down`;
    const port = await freePort();
    await adminCli('upstreams', 'create', '--name', 'Down IdP', '--slug', downSlug, '--issuer', `http://127.0.0.1:${port}`, '--client-id', 'x', '--client-secret', 'y');
    const { url, checks } = await authorizationUrl({ idp_hint: downSlug });
    const step = await new Browser([baseUrl]).navigate(url);
    expect(step.left!.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(step.left!.searchParams.get('state')).toBe(checks.state);
    await adminCli('upstreams', 'delete', downSlug);
  });
});

describe('linking an upstream account to a local one', () => {
  beforeAll(async () => {
    await adminCli(
      'upstreams', 'create', '--name', 'Linking IdP', '--slug', linkSlug, '--issuer', upstream.issuer,
      '--client-id', upstream.clientId, '--client-secret', upstream.clientSecret, '--link-by-email',
    );
  });

  /** Through idp_hint until our next page (the link page, or the consent page) or the RP's callback. */
  async function viaHint(hint: string, account: string, browser: Browser) {
    upstream.next = { account };
    const { url, checks } = await authorizationUrl({ idp_hint: hint });
    return { step: await browser.navigate(url), checks };
  }

  test('never silent: the local password is asked once (a wrong one links nothing), then both sign-ins reach the same user', async () => {
    const local = await admin.createUser();
    const sub = `carol-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: local.email, email_verified: true, name: 'Carol' });

    const browser = new Browser([baseUrl, upstream.issuer]);
    const { step, checks } = await viaHint(linkSlug, sub, browser);
    const linkForm = step.page!.forms.find((f) => f.action.includes(`/upstream/${linkSlug}/link`));
    expect(linkForm, step.page!.body.slice(0, 1500)).toBeDefined();
    expect(step.page!.body).toContain(local.username);
    const wrong = await browser.submit(step.page!, linkForm!, { password: 'not-the-password' });
    expect(wrong.page!.status).toBe(400);
    expect(wrong.page!.body).toContain('That password is not right.');
    // A form without this interaction's CSRF token is refused.
    const forged = await browser.request(new URL(linkForm!.action, baseUrl), {
      method: 'POST',
      body: new URLSearchParams({ csrf: 'forged', password: local.password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.status).toBe(403);

    const retry = wrong.page!.forms.find((f) => f.action.includes('/link'))!;
    const callback = await untilCallback(browser, await browser.submit(wrong.page!, retry, { password: local.password }));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });
    expect(tokens.claims()!.sub).toBe(local.id);
    expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['fed', 'pwd']));

    // Later sign-ins through the upstream go straight to the linked user, no password asked.
    const again = await viaHint(linkSlug, sub, new Browser([baseUrl, upstream.issuer]));
    const cb = await untilCallback(browser, again.step);
    const t2 = await client.authorizationCodeGrant(config, cb, { pkceCodeVerifier: again.checks.codeVerifier, expectedState: again.checks.state, expectedNonce: again.checks.nonce });
    expect(t2.claims()!.sub).toBe(local.id);

    // The account page lists the link and removes it (CSRF form); the next sign-in asks again.
    const accountPage = await browser.navigate(`${baseUrl}/account`);
    expect(accountPage.page!.body).toContain('Linking IdP');
    const remove = accountPage.page!.forms.find((f) => f.action === '/account/upstream-links/delete')!;
    expect(remove.fields.some(([k, v]) => k === 'csrf' && v.length > 0)).toBe(true);
    const removed = await browser.submit(accountPage.page!, remove);
    expect(removed.page!.body).toContain('The sign-in provider was removed');
    // Recorded in the audit trail (written just after the response), with the user as actor.
    await vi.waitFor(async () => {
      const trail = await admin.request<{ events: { type: string; actor: string; details: Record<string, unknown> }[] }>('GET', `/admin/audit?type=upstream.unlinked&subject=${encodeURIComponent(local.id)}`);
      expect(trail.events).toEqual([expect.objectContaining({ actor: `user:${local.id}`, details: expect.objectContaining({ upstream: linkSlug, upstream_subject: sub }) })]);
    }, { timeout: 5000, interval: 50 });
    const third = await viaHint(linkSlug, sub, new Browser([baseUrl, upstream.issuer]));
    expect(third.step.page!.forms.some((f) => f.action.includes(`/upstream/${linkSlug}/link`))).toBe(true);
  });

  test('without --link-by-email (or an unverified email) a separate account is made, without the taken email', async () => {
    const local = await admin.createUser();
    const sub = `dave-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: local.email, email_verified: true, name: 'Dave' });
    const { claims } = await signInThroughUpstream(sub);
    expect(claims.sub).not.toBe(local.id);
    const user = await admin.request<{ email: string | null }>('GET', `/admin/users/${claims.sub}`);
    expect(user.email).toBeNull();

    const unverified = `erin-${crypto.randomUUID().slice(0, 8)}`;
    const other = await admin.createUser();
    upstream.accounts.set(unverified, { email: other.email, email_verified: false, name: 'Erin' });
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { step, checks } = await viaHint(linkSlug, unverified, browser);
    expect(step.page?.forms.some((f) => f.action.includes('/link')) ?? false).toBe(false);
    const cb = await untilCallback(browser, step);
    const t = await client.authorizationCodeGrant(config, cb, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });
    expect(t.claims()!.sub).not.toBe(other.id);
  });
});

describe('back-channel logout from the upstream', () => {
  const bcRp = new TestRelyingParty();
  beforeAll(() => bcRp.start());
  afterAll(() => bcRp.stop());

  const postLogoutToken = (token: string) =>
    fetch(`${baseUrl}/upstream/${slug}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }).toString() });

  test('a logout at the upstream ends our session and reaches our relying party', async () => {
    const logoutRp = await admin.createClientWith({ backchannel_logout_uri: `${bcRp.baseUrl}/bc-upstream`, backchannel_logout_session_required: true });
    const rpConfig = await client.discovery(new URL(baseUrl), logoutRp.client_id, { client_secret: logoutRp.client_secret }, client.ClientSecretBasic(logoutRp.client_secret!), { execute: [client.allowInsecureRequests] });
    const sub = `frank-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, email_verified: true, name: 'Frank' });
    upstream.next = { account: sub };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(rpConfig, {
      redirect_uri: REDIRECT_URI, scope: 'openid', state: checks.state, nonce: checks.nonce, idp_hint: slug,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier), code_challenge_method: 'S256',
    });
    const callback = await untilCallback(browser, await browser.navigate(url));
    const tokens = await client.authorizationCodeGrant(rpConfig, callback, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });
    const ourSid = tokens.claims()!.sid as string;
    expect((await browser.navigate(`${baseUrl}/account`)).page!.forms.some((f) => f.action === '/account/logout-all')).toBe(true);

    // RP-initiated logout at the upstream (its confirmation form), which sends its logout tokens to us.
    const confirm = await browser.navigate(`${upstream.issuer}/session/end`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.page!.body)?.[1];
    expect(xsrf).toBeTruthy();
    const ended = await browser.navigate(`${upstream.issuer}/session/end/confirm`, {
      method: 'POST',
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(ended.page!.url.pathname).toBe('/session/end/success');
    // Our relying party hears of it (a logout token of ours with our sid)...
    const deadline = Date.now() + 15_000;
    while (!bcRp.received.some((r) => r.path === '/bc-upstream') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const delivered = bcRp.received.find((r) => r.path === '/bc-upstream');
    expect(delivered).toBeDefined();
    const ours = JSON.parse(Buffer.from(delivered!.body.get('logout_token')!.split('.')[1]!, 'base64url').toString());
    expect(ours).toMatchObject({ iss: baseUrl, sid: ourSid, aud: logoutRp.client_id });
    // ...and our session is gone: the account page is the signed-out one.
    expect((await browser.navigate(`${baseUrl}/account`)).page!.forms.some((f) => f.action === '/account/logout-all')).toBe(false);
  });

  test('a logout token not signed by the upstream, or malformed, is refused (400)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'someone', events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged', typ: 'logout+jwt' })
      .setIssuer(upstream.issuer)
      .setAudience(upstream.clientId)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(privateKey);
    const res = await postLogoutToken(forged);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    expect((await postLogoutToken('not.a.jwt')).status).toBe(400);
    const noToken = await fetch(`${baseUrl}/upstream/${slug}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(noToken.status).toBe(400);
  });
});

describe('RP-initiated logout also ends the upstream session (--end-session)', () => {
  test('our logout goes through the upstream end_session_endpoint and comes back to the relying party', async () => {
    await adminCli(
      'upstreams', 'create', '--name', 'Ending IdP', '--slug', endSlug, '--issuer', upstream.issuer,
      '--client-id', upstream.clientId, '--client-secret', upstream.clientSecret,
    );
    await adminCli('upstreams', 'update', endSlug, '--end-session');
    const PLRU = 'http://127.0.0.1:3000/logged-out';
    const logoutRp = await admin.createClientWith({ post_logout_redirect_uris: [PLRU] });
    const rpConfig = await client.discovery(new URL(baseUrl), logoutRp.client_id, { client_secret: logoutRp.client_secret }, client.ClientSecretBasic(logoutRp.client_secret!), { execute: [client.allowInsecureRequests] });
    const sub = `gina-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, email_verified: true, name: 'Gina' });
    upstream.next = { account: sub };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(rpConfig, {
      redirect_uri: REDIRECT_URI, scope: 'openid', state: checks.state, nonce: checks.nonce, idp_hint: endSlug,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier), code_challenge_method: 'S256',
    });
    const callback = await untilCallback(browser, await browser.navigate(url));
    const tokens = await client.authorizationCodeGrant(rpConfig, callback, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });

    const logoutState = client.randomState();
    let step = await browser.navigate(client.buildEndSessionUrl(rpConfig, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: PLRU, state: logoutState }));
    // Our confirmation page, if shown.
    const ours = step.page?.forms.find((f) => f.action === '/logout/confirm');
    if (ours) step = await browser.submit(step.page!, ours, {}, ours.buttons.find((b) => b.value === 'logout'));
    // The upstream's confirmation page (oidc-provider asks), then back through us to the relying party.
    expect(step.page!.url.origin).toBe(upstream.issuer);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(step.page!.body)?.[1];
    const done = await browser.navigate(`${upstream.issuer}/session/end/confirm`, {
      method: 'POST',
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.left?.origin + done.left!.pathname).toBe(PLRU);
    expect(done.left!.searchParams.get('state')).toBe(logoutState);
    expect(browser.history.some((h) => h.url.startsWith(`${baseUrl}/upstream/${endSlug}/logged-out`))).toBe(true);
    expect((await browser.navigate(`${baseUrl}/account`)).page!.forms.some((f) => f.action === '/account/logout-all')).toBe(false);
    // A made-up state on the way back is refused.
    const forged = await browser.request(`${baseUrl}/upstream/${endSlug}/logged-out?state=forged.value`);
    expect(forged.status).toBe(400);
  });
});

describe('client authentication at the upstream with private_key_jwt (a key the OP holds)', () => {
  test('create prints the jwks_uri; the upstream fetches it and accepts our client assertion: a sign-in end to end', async () => {
    const out = await adminCli(
      'upstreams', 'create', '--name', 'Keyed IdP', '--slug', keySlug, '--issuer', upstream.issuer,
      '--client-id', KEY_CLIENT_ID, '--auth-method', 'private_key_jwt', '--json',
    );
    expect(JSON.parse(out)).toEqual({ slug: keySlug, redirect_uri: `${baseUrl}/upstream/${keySlug}/callback`, jwks_uri: `${baseUrl}/upstream/${keySlug}/jwks` });
    const shown = await adminCli('upstreams', 'get', keySlug, '--json');
    expect(JSON.parse(shown)).toMatchObject({ auth_method: 'private_key_jwt', jwks_uri: `${baseUrl}/upstream/${keySlug}/jwks` });
    expect(shown).not.toMatch(/"(d|iv|data|private_key)"/);
    const jwks = (await (await fetch(`${baseUrl}/upstream/${keySlug}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');

    const sub = `kim-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, email_verified: true, name: 'Kim Keyed' });
    upstream.next = { account: sub };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { url, checks } = await authorizationUrl({ idp_hint: keySlug });
    upstream.tokenErrors.length = 0;
    const callback = await untilCallback(browser, await browser.navigate(url));
    expect(callback.searchParams.get('error')).toBeNull();
    expect(upstream.tokenErrors).toEqual([]);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce });
    expect(tokens.claims()!.amr).toContain('fed');
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info).toMatchObject({ email: `${sub}@upstream.example`, name: 'Kim Keyed' });
  });

  test('a key the upstream has not registered is refused at its token endpoint: access_denied, no user made', async () => {
    // Same client_id, but this upstream entry holds its own key pair, not the one behind the registered jwks_uri.
    await adminCli(
      'upstreams', 'create', '--name', 'Stranger IdP', '--slug', strangerSlug, '--issuer', upstream.issuer,
      '--client-id', KEY_CLIENT_ID, '--auth-method', 'private_key_jwt',
    );
    const sub = `lee-${crypto.randomUUID().slice(0, 8)}`;
    upstream.accounts.set(sub, { email: `${sub}@upstream.example`, email_verified: true, name: 'Lee' });
    upstream.next = { account: sub };
    const browser = new Browser([baseUrl, upstream.issuer]);
    const { url, checks } = await authorizationUrl({ idp_hint: strangerSlug });
    upstream.tokenErrors.length = 0;
    const step = await browser.navigate(url);
    // Refused by the upstream for the reason under test: our assertion's key is not in the registered JWKS.
    expect(upstream.tokenErrors.join('\n')).toMatch(/invalid_client/);
    expect(step.left, step.page?.body.slice(0, 1500)).toBeDefined();
    expect(step.left!.origin + step.left!.pathname).toBe(REDIRECT_URI);
    expect(step.left!.searchParams.get('error')).toBe('access_denied');
    expect(step.left!.searchParams.get('state')).toBe(checks.state);
    expect(step.left!.searchParams.get('code')).toBeNull();
    const users = await admin.request<{ users: { claims: { name?: string } }[] }>('GET', '/admin/users');
    expect(users.users.length).toBeGreaterThan(0);
    expect(users.users.some((u) => u.claims.name === 'Lee')).toBe(false);
  });
});
