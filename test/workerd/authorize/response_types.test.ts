import { base64url, decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, ISSUER, authorizeInBrowser, createClient, createUser, csrfOf, exchangeCode, fetchOp } from '../helpers';
import { authorizeQuery, expectErrorRedirect, expectFragmentError } from './local-helpers';

/** OIDC Core §3.2.2.10 / §3.3.2.11: base64url of the left half of SHA-256 (RS256) of the ASCII value. */
async function leftHalf(value: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)));
  return base64url.encode(d.slice(0, d.length / 2));
}

const fragmentOf = (url: URL) => {
  expect(url.search).toBe('');
  return new URLSearchParams(url.hash.slice(1));
};

describe('response types (OIDC Core §3.2, §3.3)', () => {
  it('id_token: in the fragment, nonce, no access token, the scopes\' claims in the ID token (§5.4)', async () => {
    const client = await createClient({ response_types: ['id_token'] });
    const user = await createUser();
    const p = fragmentOf(await authorizeInBrowser({ client, user, extra: { response_type: 'id_token' } }));
    expect(p.get('state')).toBe('state-123');
    expect(p.get('iss')).toBe(ISSUER);
    expect(p.has('code')).toBe(false);
    expect(p.has('access_token')).toBe(false);
    const idt = decodeJwt(p.get('id_token')!);
    expect(idt.nonce).toBe('nonce-456');
    expect(idt.aud).toBe(client.client_id);
    expect(idt.sub).toBe(user.id);
    expect(idt.at_hash).toBeUndefined();
    expect(idt.email).toBe(`${user.username}@example.test`);
    expect(idt.given_name).toBe('Ada');
  });

  it('id_token token: at_hash matches, the access token works at userinfo, claims stay at userinfo (id_token_claims minimal)', async () => {
    const client = await createClient({ response_types: ['id_token token'], id_token_claims: 'minimal' });
    const user = await createUser();
    const p = fragmentOf(await authorizeInBrowser({ client, user, extra: { response_type: 'token id_token' } }));
    const at = p.get('access_token')!;
    expect(p.get('token_type')).toBe('Bearer');
    expect(Number(p.get('expires_in'))).toBeGreaterThan(0);
    const idt = decodeJwt(p.get('id_token')!);
    expect(idt.at_hash).toBe(await leftHalf(at));
    expect(idt.c_hash).toBeUndefined();
    expect(idt.email).toBeUndefined();
    const info = await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${at}` } });
    expect(info.status).toBe(200);
    expect(((await info.json()) as { sub: string }).sub).toBe(user.id);
  });

  it('code id_token: c_hash matches the code, which redeems for tokens with the same sub and nonce', async () => {
    const client = await createClient({ response_types: ['code id_token'] });
    expect((await (await fetchOp(`/admin/clients/${client.client_id}`, { headers: { Authorization: 'Bearer test-admin-token-0123456789abcdefghij' } })).json()) as object).toMatchObject({
      response_types: ['code id_token'],
      grant_types: ['authorization_code', 'implicit'],
    });
    const user = await createUser();
    const p = fragmentOf(await authorizeInBrowser({ client, user, extra: { response_type: 'code id_token' } }));
    const code = p.get('code')!;
    const front = decodeJwt(p.get('id_token')!);
    expect(front.c_hash).toBe(await leftHalf(code));
    expect(p.has('access_token')).toBe(false);
    const res = await exchangeCode(client, code);
    expect(res.status).toBe(200);
    const back = decodeJwt(((await res.json()) as { id_token: string }).id_token);
    expect(back.sub).toBe(front.sub);
    expect(back.nonce).toBe('nonce-456');
  });

  it('code token and code id_token token: at_hash and c_hash both present where an ID token is', async () => {
    const client = await createClient({ response_types: ['code token', 'code id_token token'] });
    const user = await createUser();
    const browser = new Browser();
    const a = fragmentOf(await authorizeInBrowser({ client, user, browser, extra: { response_type: 'code token' } }));
    expect(a.get('code')).toBeTruthy();
    expect(a.get('access_token')).toBeTruthy();
    expect(a.has('id_token')).toBe(false);
    const b = fragmentOf(await authorizeInBrowser({ client, user, browser, extra: { response_type: 'code id_token token' } }));
    const idt = decodeJwt(b.get('id_token')!);
    expect(decodeProtectedHeader(b.get('id_token')!).alg).toBe('RS256');
    expect(idt.at_hash).toBe(await leftHalf(b.get('access_token')!));
    expect(idt.c_hash).toBe(await leftHalf(b.get('code')!));
    expect((await exchangeCode(client, b.get('code')!)).status).toBe(200);
  });

  it('code token does not need a nonce (no ID token from the authorization endpoint)', async () => {
    const client = await createClient({ response_types: ['code token'] });
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { response_type: 'code token', nonce: null })}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
  });

  it('an empty nonce counts as missing', async () => {
    const client = await createClient({ response_types: ['id_token'] });
    expectFragmentError(await fetchOp(`/authorize?${authorizeQuery(client, { response_type: 'id_token', nonce: '' })}`), 'invalid_request');
  });

  for (const type of ['id_token', 'id_token token', 'code id_token', 'code id_token token']) {
    it(`${type} without nonce -> invalid_request in the fragment`, async () => {
      const client = await createClient({ response_types: [type] });
      const params = expectFragmentError(await fetchOp(`/authorize?${authorizeQuery(client, { response_type: type, nonce: null })}`), 'invalid_request');
      expect(params.get('error_description')).toMatch(/nonce/);
    });

    it(`${type} with response_mode=query -> invalid_request, in the fragment`, async () => {
      const client = await createClient({ response_types: [type] });
      expectFragmentError(await fetchOp(`/authorize?${authorizeQuery(client, { response_type: type, response_mode: 'query' })}`), 'invalid_request');
    });
  }

  it('token alone only for a client that registered it', async () => {
    const client = await createClient({ response_types: ['token'] });
    const user = await createUser();
    const p = fragmentOf(await authorizeInBrowser({ client, user, extra: { response_type: 'token', nonce: '' } }));
    expect(p.get('access_token')).toBeTruthy();
    expect(p.has('id_token')).toBe(false);
    const other = await createClient({ response_types: ['code', 'id_token token'] });
    expectFragmentError(await fetchOp(`/authorize?${authorizeQuery(other, { response_type: 'token' })}`), 'unauthorized_client');
  });

  it('code with response_mode=fragment puts the code in the fragment', async () => {
    const client = await createClient();
    const user = await createUser();
    const p = fragmentOf(await authorizeInBrowser({ client, user, extra: { response_mode: 'fragment' } }));
    expect(p.get('code')).toBeTruthy();
  });

  it('an admin client with an unknown response type or inconsistent grants is refused', async () => {
    for (const body of [{ response_types: ['code idtoken'] }, { response_types: ['id_token'], grant_types: ['authorization_code'] }]) {
      const res = await fetchOp('/admin/clients', {
        method: 'POST',
        headers: { Authorization: 'Bearer test-admin-token-0123456789abcdefghij', 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'x', redirect_uris: ['https://rp.example.test/cb'], ...body }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
  });
});

describe('response_mode=form_post', () => {
  /** Runs the flow until the OP answers with something other than a redirect to its own pages. */
  async function formPostFlow(extra: Record<string, string>, clientOverrides: Record<string, unknown> = {}) {
    const client = await createClient({ first_party: true, ...clientOverrides });
    const user = await createUser();
    const browser = new Browser();
    const q = new URLSearchParams(authorizeQuery(client, { response_mode: 'form_post', ...extra }));
    let res = await browser.get(`/authorize?${q}`);
    const location = res.headers.get('Location')!;
    expect(location).toMatch(/^\/interaction\//);
    res = await browser.get(location);
    res = await browser.post(`${location}/login`, { csrf: csrfOf(await res.text()), username: user.username, password: user.password });
    return { client, res };
  }

  const fieldsOf = (html: string) => Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]!.replace(/&amp;/g, '&')]));

  it('answers with an auto-submitting form to the redirect_uri, a continue button, and a CSP for exactly that', async () => {
    const { res } = await formPostFlow({ response_type: 'code' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toContain('form-action https://rp.example.test/cb');
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<form method="post" action="https://rp.example.test/cb">');
    expect(html).toContain('<button type="submit">');
    const fields = fieldsOf(html);
    expect(fields.code).toBeTruthy();
    expect(fields.state).toBe('st-789');
    expect(fields.iss).toBe(ISSUER);
    // The script hash in the CSP is that of the page's one script.
    const script = /<script>([^<]*)<\/script>/.exec(html)![1]!;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(script)));
    expect(csp).toContain(`'sha256-${btoa(String.fromCharCode(...digest))}'`);
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('hybrid through form_post: code and id_token as fields', async () => {
    const { res } = await formPostFlow({ response_type: 'code id_token' }, { response_types: ['code id_token'] });
    const fields = fieldsOf(await res.text());
    expect(decodeJwt(fields.id_token!).c_hash).toBe(await leftHalf(fields.code!));
  });

  it('errors travel by form_post too', async () => {
    const client = await createClient({ response_types: ['id_token'] });
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { response_type: 'id_token', response_mode: 'form_post', nonce: null })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Location')).toBeNull();
    const fields = fieldsOf(await res.text());
    expect(fields.error).toBe('invalid_request');
    expect(fields.state).toBe('st-789');
  });

  it('a missing response_type with form_post is an error by form_post', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { response_type: null, response_mode: 'form_post' })}`);
    expect(fieldsOf(await res.text()).error).toBe('invalid_request');
  });

  it('the code flow without response_mode still answers in the query', async () => {
    const client = await createClient();
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`), 'login_required');
  });
});
