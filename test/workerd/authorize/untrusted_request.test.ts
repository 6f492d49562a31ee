import { describe, expect, it } from 'vitest';
import { createClient, fetchOp } from '../helpers';
import { authorizeQuery, expectErrorPage, expectErrorRedirect } from './local-helpers';

/**
 * OIDC Core §3.1.2.1 and RFC 6749 §4.1.2.1: while client_id or redirect_uri cannot be trusted,
 * the error is shown to the user and MUST NOT be redirected (no open redirector).
 */
describe('authorize: requests whose client or redirect_uri cannot be trusted', () => {
  it('shows an HTML error page for an unknown client_id', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery({ ...client, client_id: 'no-such-client' })}`);
    await expectErrorPage(res);
  });

  it('shows an HTML error page when client_id is missing', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { client_id: null })}`);
    await expectErrorPage(res);
  });

  it('shows an HTML error page for a redirect_uri that is not registered', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: 'https://evil.example.test/cb' })}`);
    const html = await expectErrorPage(res);
    expect(html).not.toContain('evil.example.test');
  });

  it('shows an HTML error page when redirect_uri is missing, even though the client has one registered URI', async () => {
    const client = await createClient();
    expect(client.redirect_uris).toHaveLength(1);
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: null })}`);
    await expectErrorPage(res);
  });

  it('shows an HTML error page when redirect_uri is present but empty', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: '' })}`);
    await expectErrorPage(res);
  });

  const nearMisses: [string, string][] = [
    ['a trailing slash', 'https://rp.example.test/cb/'],
    ['a different path case', 'https://rp.example.test/CB'],
    ['a different host case', 'https://RP.example.test/cb'],
    ['a different scheme case', 'HTTPS://rp.example.test/cb'],
    ['an extra query', 'https://rp.example.test/cb?x=1'],
    ['an empty query', 'https://rp.example.test/cb?'],
    ['a fragment', 'https://rp.example.test/cb#frag'],
    ['an explicit default port', 'https://rp.example.test:443/cb'],
    ['a different scheme', 'http://rp.example.test/cb'],
    ['a percent-encoded path', 'https://rp.example.test/%63b'],
    ['a sub-path', 'https://rp.example.test/cb/more'],
    ['a prefix only', 'https://rp.example.test/c'],
    ['a userinfo part', 'https://rp.example.test@evil.example.test/cb'],
  ];
  for (const [what, uri] of nearMisses) {
    it(`compares redirect_uri by exact string: ${what} is refused with a page, not a redirect`, async () => {
      const client = await createClient();
      const res = await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: uri })}`);
      await expectErrorPage(res);
    });
  }

  it('matches only the query-carrying URI exactly when the registered URI has a query', async () => {
    const client = await createClient({ redirect_uris: ['https://rp.example.test/cb?tenant=a'] });
    for (const uri of ['https://rp.example.test/cb', 'https://rp.example.test/cb?tenant=b', 'https://rp.example.test/cb?tenant=a&x=1']) {
      await expectErrorPage(await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: uri })}`));
    }
    const ok = await fetchOp(`/authorize?${authorizeQuery(client)}`);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('Location')).toMatch(/^\/interaction\//);
  });

  it('does not accept a redirect_uri registered for another client', async () => {
    const other = await createClient({ redirect_uris: ['https://other.example.test/cb'] });
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: other.redirect_uris[0]! })}`);
    await expectErrorPage(res);
  });

  it('does not redirect even when the request has other errors too (bad redirect_uri wins)', async () => {
    const client = await createClient();
    const res = await fetchOp(
      `/authorize?${authorizeQuery(client, { redirect_uri: 'https://evil.example.test/cb', response_type: 'token', scope: 'email', prompt: 'none' })}`,
    );
    await expectErrorPage(res);
  });

  it('does not redirect for an unknown client even when the redirect_uri looks fine', async () => {
    const res = await fetchOp(`/authorize?client_id=unknown&redirect_uri=${encodeURIComponent('https://rp.example.test/cb')}&response_type=token&state=s`);
    await expectErrorPage(res);
  });

  it('redirects invalid_request for malformed percent-encoding once client and redirect_uri are trusted (RFC 6749 §4.1.2.1)', async () => {
    const client = await createClient();
    // state itself is unreadable, so it is not echoed.
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client, { state: null })}&state=%FF`), 'invalid_request', { state: null });
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client, { state: null })}&state=abc%2`), 'invalid_request', { state: null });
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client)}&scope=%FF`), 'invalid_request');
  });

  it('shows a page when client_id or redirect_uri is itself malformed', async () => {
    const client = await createClient();
    await expectErrorPage(await fetchOp(`/authorize?${authorizeQuery(client, { client_id: null })}&client_id=%FF`));
    await expectErrorPage(await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: null })}&redirect_uri=https%3A%2F%2Frp.example.test%2Fcb%FF`));
  });

  it('shows a page for a duplicated client_id or redirect_uri, even with identical values (RFC 6749 §3.1)', async () => {
    const client = await createClient();
    for (const dup of [`client_id=${client.client_id}`, `redirect_uri=${encodeURIComponent(client.redirect_uris[0]!)}`]) {
      await expectErrorPage(await fetchOp(`/authorize?${authorizeQuery(client)}&${dup}`));
    }
  });

  it('redirects invalid_request for another duplicated parameter, echoing state only when it is unambiguous', async () => {
    const client = await createClient();
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client)}&response_type=code`), 'invalid_request');
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client)}&state=other`), 'invalid_request', { state: null });
  });

  it('handles a malformed POST body like a malformed query, and shows a page for a POST that is not form-encoded', async () => {
    const client = await createClient();
    const bad = await fetchOp('/authorize', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${authorizeQuery(client)}&scope=%FF`,
    });
    expectErrorRedirect(bad, 'invalid_request');
    const json = await fetchOp('/authorize', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: client.client_id, redirect_uri: client.redirect_uris[0], response_type: 'code', scope: 'openid' }),
    });
    await expectErrorPage(json);
  });

  it('never answers with a 3xx to an untrusted request sent by POST', async () => {
    const client = await createClient();
    const res = await fetchOp('/authorize', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: authorizeQuery(client, { redirect_uri: 'https://evil.example.test/cb' }),
    });
    await expectErrorPage(res);
  });

  it('sets no cookie when it refuses an untrusted request', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { redirect_uri: 'https://evil.example.test/cb' })}`);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});
