// The user edits their own profile on the account page (issue 15): CSRF-protected form, §5.1
// formats, a changed phone becomes unverified, updated_at follows; nothing changes on a bad value.
import { describe, expect, it } from 'vitest';
import { ADMIN, clockPasses, createClient, createUser, csrfOf, fetchOp } from '../helpers';
import { LocalBrowser, authorizeQuery, runFlow } from '../authorize/local-helpers';

const userOf = async (id: string) => (await (await fetchOp(`/admin/users/${id}`, { headers: ADMIN })).json()) as { claims: Record<string, unknown>; updated_at: number };

async function signedIn() {
  const user = await createUser();
  await fetchOp(`/admin/users/${user.id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ claims: { phone_number: '+1 202 555 0100', phone_number_verified: true } }) });
  const browser = new LocalBrowser();
  await runFlow(browser, authorizeQuery(await createClient({ first_party: true })), user);
  return { user, browser };
}

const form = (html: string, changes: Record<string, string>) => {
  const values: Record<string, string> = { csrf: csrfOf(html) };
  for (const m of html.matchAll(/<input id="([^"]+)" name="[^"]+" type="[^"]+" value="([^"]*)"/g)) values[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  return { ...values, ...changes };
};

describe('account page: own profile', () => {
  it('saves names, nickname, picture, website, locale, zoneinfo, birthdate, phone and address; the new phone is unverified; updated_at moves', async () => {
    const { user, browser } = await signedIn();
    expect(await (await browser.get('/account')).text()).toContain('href="/account/profile"');
    const page = await browser.get('/account/profile');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('value="+1 202 555 0100"');
    const before = await userOf(user.id);
    await clockPasses(before.updated_at);
    const res = await browser.post('/account/profile', form(html, {
      given_name: 'Augusta', family_name: 'King', nickname: 'Ada', picture: 'https://example.test/ada.png', website: 'https://ada.example.test',
      locale: 'en-GB', zoneinfo: 'Europe/London', birthdate: '1815-12-10', phone_number: '+44 20 7946 0000',
      'address.locality': 'London', 'address.country': 'GB',
    }));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/account/profile?saved=1');
    const after = await userOf(user.id);
    expect(after.claims).toMatchObject({
      given_name: 'Augusta', family_name: 'King', nickname: 'Ada', picture: 'https://example.test/ada.png', website: 'https://ada.example.test',
      locale: 'en-GB', zoneinfo: 'Europe/London', birthdate: '1815-12-10', phone_number: '+44 20 7946 0000', phone_number_verified: false,
      address: { locality: 'London', country: 'GB' },
    });
    expect(after.updated_at).toBeGreaterThan(before.updated_at);
    // An empty field removes the claim.
    const again = await (await browser.get('/account/profile?saved=1')).text();
    expect(again).toContain('Your profile was saved.');
    expect((await browser.post('/account/profile', form(again, { nickname: '' }))).status).toBe(303);
    expect((await userOf(user.id)).claims.nickname).toBeUndefined();
  });

  it('an unchanged phone keeps its verified flag', async () => {
    const { user, browser } = await signedIn();
    const html = await (await browser.get('/account/profile')).text();
    expect((await browser.post('/account/profile', form(html, { nickname: 'N' }))).status).toBe(303);
    expect((await userOf(user.id)).claims).toMatchObject({ nickname: 'N', phone_number_verified: true });
  });

  it('a bad value -> 400 with the reason, nothing saved; a wrong CSRF token -> 403; no session -> back to /account', async () => {
    const { user, browser } = await signedIn();
    const html = await (await browser.get('/account/profile')).text();
    const bad = await browser.post('/account/profile', form(html, { birthdate: '10/12/1815', nickname: 'X' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('birthdate must be');
    const bad2 = await browser.post('/account/profile', form(html, { picture: 'javascript:alert(1)' }));
    expect(bad2.status).toBe(400);
    expect((await userOf(user.id)).claims.nickname).toBeUndefined();
    const forged = await browser.post('/account/profile', { ...form(html, { nickname: 'Evil' }), csrf: 'A'.repeat(43) });
    expect(forged.status).toBe(403);
    expect((await userOf(user.id)).claims.nickname).toBeUndefined();
    const anonymous = await new LocalBrowser().get('/account/profile');
    expect(anonymous.status).toBe(303);
  });
});
