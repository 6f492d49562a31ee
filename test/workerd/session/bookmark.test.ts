// Read-your-writes for the browser pages (src/session/consistency.ts): the D1 Sessions API bookmark
// travels in a cookie after each write this browser makes, so its next pages read at least that far.
import { describe, expect, it } from 'vitest';
import { Browser, createClient, createUser, csrfOf } from '../helpers';
import { authorizeQuery, isConsentPage, openInteraction, runFlow } from '../authorize/local-helpers';

const BOOKMARK = '__Host-op_bookmark';

describe('bookmark cookie (read-your-writes)', () => {
  it('the sign-in sets it; the next page, read through a D1 session from it, sees the session just created', async () => {
    const client = await createClient();
    const user = await createUser();
    const browser = new Browser();
    const { path, csrf } = await openInteraction(browser, authorizeQuery(client, { scope: 'openid profile' }));
    expect(browser.hasCookie(BOOKMARK)).toBe(false);
    const signedIn = await browser.post(`${path}/login`, { csrf, username: user.username, password: user.password });
    expect(signedIn.status).toBe(303);
    const line = signedIn.headers.getSetCookie().find((l) => l.startsWith(`${BOOKMARK}=`));
    expect(line).toBeDefined();
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/Secure/i);
    const afterSignIn = browser.cookieValue(BOOKMARK)!;
    expect(afterSignIn).toMatch(/^[0-9a-f-]+$/i);
    // The consent page knows the user (the session was read back through the bookmark's session).
    const page = await browser.get(path);
    const html = await page.text();
    expect(isConsentPage(html)).toBe(true);
    expect(html).toContain(user.username);
    // Consenting writes again: the bookmark moves on.
    const done = await browser.post(`${path}/consent`, { csrf: csrfOf(html), decision: 'allow' });
    expect(done.status).toBe(303);
    expect(browser.cookieValue(BOOKMARK)).not.toBe(afterSignIn);
    // The remembered consent is seen by the very next request: single sign-on without a page.
    const again = await browser.get(`/authorize?${authorizeQuery(client, { scope: 'openid profile' })}`);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get('Location')!).searchParams.get('code')).toBeTruthy();
  });

  it('logout sets it: the ended session stays ended for this browser', async () => {
    const client = await createClient();
    const user = await createUser();
    const browser = new Browser();
    await runFlow(browser, authorizeQuery(client), user);
    const before = browser.cookieValue(BOOKMARK);
    const page = await browser.get('/logout');
    const html = await page.text();
    const res = await browser.post('/logout/confirm', { csrf: csrfOf(html), decision: 'logout', sid: /name="sid" value="([^"]+)"/.exec(html)![1]! });
    expect(res.status).toBe(200);
    expect(browser.cookieValue(BOOKMARK)).toBeDefined();
    expect(browser.cookieValue(BOOKMARK)).not.toBe(before);
    const after = await browser.get(`/authorize?${authorizeQuery(client)}`);
    expect(after.headers.get('Location')).toMatch(/^\/interaction\//);
  });

  it('a malformed or made-up bookmark is never a 5xx', async () => {
    const client = await createClient({ first_party: true });
    const user = await createUser();
    for (const planted of ['not a bookmark', "'; DROP TABLE sessions; --", '0'.repeat(400), '00000000-00000000-00000000-00000000000000000000000000000000']) {
      const browser = new Browser();
      browser.plantCookie(BOOKMARK, planted);
      const callback = await runFlow(browser, authorizeQuery(client), user);
      expect(callback.searchParams.get('code')).toBeTruthy();
    }
  });
});
