// Issue 9 (high), end to end against `wrangler dev`: an attacker who planted op_browser in the
// victim's browser cannot take over the victim's remembered session from their own browser.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, type AdminClient, type TestUser } from './helpers/admin';
import { Browser } from './helpers/browser';
import { findForm } from './helpers/flow';

const baseUrl = inject('baseUrl');
const admin = new Admin();
let victim: TestUser;
let app: AdminClient;

beforeAll(async () => {
  victim = await admin.createUser({ given_name: 'Victoria', family_name: 'Victim' });
  app = await admin.createClient({ firstParty: true });
});

const planted = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

/** The attacker writes the chooser cookies of a browser (plain names: this OP runs on http). */
function plant(browser: Browser): void {
  browser.jar.store(new URL(baseUrl), [`op_browser=${planted}; Path=/`, `op_run=${planted}; Path=/`]);
}

const authorizeUrl = (extra: Record<string, string> = {}) =>
  new URL(`${baseUrl}/authorize?${new URLSearchParams({ client_id: app.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', state: 's', nonce: 'n', ...extra })}`);

describe('account takeover through a planted browser id', () => {
  test('the attacker picking the victim\'s session ends on the sign-in page of their own browser, with no code', async () => {
    // The victim, with the planted cookie, signs in with "remember me".
    const victimBrowser = new Browser([baseUrl]);
    plant(victimBrowser);
    const start = await victimBrowser.navigate(authorizeUrl());
    const login = findForm(start.page!, 'login')!;
    const signedIn = await victimBrowser.submit(start.page!, login, { username: victim.username, password: victim.password, remember: '1' });
    const code = signedIn.left!.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const token = await fetch(`${baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${app.client_id}:${app.client_secret}`)}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
    });
    expect(token.status).toBe(200);
    const victimSid = decodeJwt(((await token.json()) as { id_token: string }).id_token).sid as string;

    // The attacker sends the same browser id with prompt=select_account and picks the victim's sid.
    const attacker = new Browser([baseUrl]);
    plant(attacker);
    const chooser = await attacker.navigate(authorizeUrl({ prompt: 'select_account' }));
    expect(chooser.page!.body).not.toContain('Victoria');
    const interaction = chooser.page!.url.pathname;
    const csrf = chooser.page!.forms.flatMap((f) => f.fields).find(([k]) => k === 'csrf')![1];
    const picked = await attacker.navigate(new URL(`${interaction}/select`, baseUrl), {
      method: 'POST',
      body: new URLSearchParams({ csrf, account: victimSid }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(picked.left).toBeUndefined();
    expect(picked.page!.url.pathname).toBe(interaction);
    expect(findForm(picked.page!, 'login')).toBeDefined();
    expect(attacker.jar.all().some((c) => c.name.endsWith('op_session'))).toBe(false);
    const account = await attacker.navigate(new URL('/account', baseUrl));
    expect(account.page!.body).toContain('You are not signed in');
  });
});
