// Issue 9: a cookie-less POST /authorize continues as a GET whose query is rebuilt from the parsed
// parameters, never copied from the body.
import { describe, expect, it } from 'vitest';
import { createClient, createUser } from '../helpers';
import { LocalBrowser, REDIRECT, authorizeQuery, runFlow } from './local-helpers';

async function continued(state: string) {
  const ada = await createUser();
  const client = await createClient({ first_party: true });
  const browser = new LocalBrowser();
  await runFlow(browser, authorizeQuery(client), ada);
  // A cross-site form post: no cookies, the body as the browser sent it (state not percent-encoded).
  const crossSite = await new LocalBrowser().postRaw('/authorize', `${authorizeQuery(client, { prompt: 'none', state: null })}&state=${state}`);
  expect(crossSite.status).toBe(303);
  const location = crossSite.headers.get('Location')!;
  expect(location.startsWith('/authorize?')).toBe(true);
  expect(location).toMatch(/^[\x21-\x7e]+$/);
  // The same request as a GET, with the session: back to the registered redirect_uri with the state.
  const answer = await browser.get(location);
  expect(answer.status).toBe(302);
  const callback = new URL(answer.headers.get('Location')!);
  expect(callback.origin + callback.pathname).toBe(REDIRECT);
  expect(callback.searchParams.get('code')).toBeTruthy();
  return callback.searchParams.get('state');
}

describe('POST /authorize continuation', () => {
  it('a CR/LF in a parameter is carried percent-encoded, not a 500', async () => {
    expect(await continued('x\r\ny')).toBe('x\r\ny');
  });

  it('a non-Latin-1 character does not double-encode redirect_uri', async () => {
    expect(await continued('caf\u00e9\u20ac')).toBe('caf\u00e9\u20ac');
  });
});
