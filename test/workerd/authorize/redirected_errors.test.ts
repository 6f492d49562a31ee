import { describe, expect, it } from 'vitest';
import { ISSUER, createClient, fetchOp, pkcePair } from '../helpers';
import { authorizeQuery, expectErrorRedirect, expectFragmentError, REDIRECT } from './local-helpers';

const get = (query: string) => fetchOp(`/authorize?${query}`);
const post = (query: string) => fetchOp('/authorize', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: query });

/**
 * Once client_id and redirect_uri are trusted, errors go back to the client (OIDC Core §3.1.2.6,
 * RFC 6749 §4.1.2.1) with the state it sent and the iss parameter (RFC 9207 §2).
 */
describe('authorize: errors redirected back to the client', () => {
  it('missing response_type -> invalid_request', async () => {
    const client = await createClient();
    expectErrorRedirect(await get(authorizeQuery(client, { response_type: null })), 'invalid_request');
  });

  for (const type of ['none', 'CODE', 'code code', 'code bogus', 'token  id_token']) {
    it(`response_type=${JSON.stringify(type)} -> unsupported_response_type`, async () => {
      const client = await createClient();
      expectErrorRedirect(await get(authorizeQuery(client, { response_type: type })), 'unsupported_response_type');
    });
  }

  // RFC 6749 §4.2.2.1: a type the client did not register; the error travels in the fragment, as the
  // type's response would (Multiple Response Types §5), never in the query.
  for (const type of ['token', 'id_token', 'code id_token', 'id_token token', 'token id_token', 'code token', 'code id_token token']) {
    it(`unregistered response_type=${type} -> unauthorized_client in the fragment`, async () => {
      const client = await createClient();
      expectFragmentError(await get(authorizeQuery(client, { response_type: type })), 'unauthorized_client');
    });
  }

  for (const scope of [null, '', 'OPENID', 'openidprofile', 'bogus other']) {
    it(`scope ${JSON.stringify(scope)} with nothing known (and no default scope) -> invalid_scope`, async () => {
      const client = await createClient();
      expectErrorRedirect(await get(authorizeQuery(client, { scope })), 'invalid_scope');
    });
  }

  it('public client without code_challenge -> invalid_request', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none' });
    expectErrorRedirect(await get(authorizeQuery(client)), 'invalid_request');
  });

  it('code_challenge_method=plain -> invalid_request, for public and confidential clients', async () => {
    const { challenge } = await pkcePair();
    for (const client of [await createClient({ token_endpoint_auth_method: 'none' }), await createClient()]) {
      expectErrorRedirect(await get(authorizeQuery(client, { code_challenge: challenge, code_challenge_method: 'plain' })), 'invalid_request');
    }
  });

  it('code_challenge without a method (which would mean plain, RFC 7636 §4.3) -> invalid_request', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none' });
    const { challenge } = await pkcePair();
    expectErrorRedirect(await get(authorizeQuery(client, { code_challenge: challenge })), 'invalid_request');
  });

  it('an unknown code_challenge_method -> invalid_request', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none' });
    const { challenge } = await pkcePair();
    expectErrorRedirect(await get(authorizeQuery(client, { code_challenge: challenge, code_challenge_method: 's256' })), 'invalid_request');
    expectErrorRedirect(await get(authorizeQuery(client, { code_challenge: challenge, code_challenge_method: 'S512' })), 'invalid_request');
  });

  it('code_challenge_method without code_challenge -> invalid_request', async () => {
    const client = await createClient();
    expectErrorRedirect(await get(authorizeQuery(client, { code_challenge_method: 'S256' })), 'invalid_request');
  });

  for (const [what, challenge] of [
    ['too short', 'abc'],
    ['42 characters', 'a'.repeat(42)],
    ['44 characters', 'a'.repeat(44)],
    ['padded base64', `${'a'.repeat(43)}=`],
    ['standard base64 characters', `${'a'.repeat(41)}+/`],
    ['a space inside', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
  ] as const) {
    it(`malformed S256 code_challenge (${what}) -> invalid_request`, async () => {
      const client = await createClient({ token_endpoint_auth_method: 'none' });
      expectErrorRedirect(await get(authorizeQuery(client, { code_challenge: challenge, code_challenge_method: 'S256' })), 'invalid_request');
    });
  }

  it('request= with an unsigned object -> invalid_request_object (OIDC Core §6.1; signed ones: test/workerd/fapi)', async () => {
    const client = await createClient();
    expectErrorRedirect(await get(authorizeQuery(client, { request: 'eyJhbGciOiJub25lIn0.e30.' })), 'invalid_request_object');
  });

  it('request_uri= the client did not register -> invalid_request_uri (OIDC Core §6.2; more in test/workerd/fapi/request_uri.test.ts)', async () => {
    const client = await createClient();
    expectErrorRedirect(await get(authorizeQuery(client, { request_uri: 'https://rp.example.test/request.jwt' })), 'invalid_request_uri');
  });

  for (const mode of ['bogus', 'FRAGMENT', 'JWT']) {
    it(`response_mode=${mode} -> invalid_request, still sent in the query`, async () => {
      const client = await createClient();
      const res = await get(authorizeQuery(client, { response_mode: mode }));
      expectErrorRedirect(res, 'invalid_request');
      expect(res.status).toBe(302);
    });
  }

  for (const mode of ['query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt']) {
    it(`response_mode=${mode} is accepted for code`, async () => {
      const client = await createClient();
      const res = await get(authorizeQuery(client, { response_mode: mode }));
      expect(res.status).toBe(302);
      expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
    });
  }

  it('an error for response_mode=fragment travels in the fragment', async () => {
    const client = await createClient();
    expectFragmentError(await get(authorizeQuery(client, { response_mode: 'fragment', prompt: 'none' })), 'login_required');
  });

  it('prompt=none without a session -> login_required', async () => {
    const client = await createClient();
    expectErrorRedirect(await get(authorizeQuery(client, { prompt: 'none' })), 'login_required');
  });

  for (const prompt of ['none login', 'login none', 'none consent', 'none select_account']) {
    it(`prompt="${prompt}" -> invalid_request`, async () => {
      const client = await createClient();
      expectErrorRedirect(await get(authorizeQuery(client, { prompt })), 'invalid_request');
    });
  }

  for (const prompt of ['bogus', 'login bogus', 'CREATE', 'NONE', 'none create']) {
    it(`unknown prompt value "${prompt}" -> invalid_request`, async () => {
      const client = await createClient();
      expectErrorRedirect(await get(authorizeQuery(client, { prompt })), 'invalid_request');
    });
  }

  for (const maxAge of ['abc', '-1', '1.5', '1e3', ' 10', '0x10']) {
    it(`max_age=${JSON.stringify(maxAge)} -> invalid_request`, async () => {
      const client = await createClient();
      expectErrorRedirect(await get(authorizeQuery(client, { max_age: maxAge })), 'invalid_request');
    });
  }

  it('omits state from the error when the client sent none', async () => {
    const client = await createClient();
    const res = await get(authorizeQuery(client, { state: null, response_type: 'none' }));
    expectErrorRedirect(res, 'unsupported_response_type', { state: null });
  });

  it('echoes a state with special characters exactly', async () => {
    const client = await createClient();
    const state = 'a b&c=d/é?"\\<>%';
    const res = await get(authorizeQuery(client, { state, response_type: null }));
    expectErrorRedirect(res, 'invalid_request', { state });
  });

  it('keeps the query of a registered redirect_uri on error redirects', async () => {
    const client = await createClient({ redirect_uris: ['https://rp.example.test/cb?tenant=a%20b'] });
    const res = await get(authorizeQuery(client, { response_type: 'none' }));
    const url = expectErrorRedirect(res, 'unsupported_response_type');
    expect(res.headers.get('Location')!.startsWith('https://rp.example.test/cb?tenant=a%20b&')).toBe(true);
    expect(url.searchParams.get('tenant')).toBe('a b');
  });

  it('sends the same errors for a POST with a form body (OIDC Core §3.1.2.1)', async () => {
    const client = await createClient();
    expectErrorRedirect(await post(authorizeQuery(client, { response_type: 'none' })), 'unsupported_response_type');
    expectErrorRedirect(await post(authorizeQuery(client, { scope: 'bogus' })), 'invalid_scope');
    // prompt=none by a cookie-less (cross-site) POST continues as the same GET, which decides.
    const replay = await post(authorizeQuery(client, { prompt: 'none' }));
    expect(replay.status).toBe(303);
    expect(replay.headers.get('Location')).toBe(`/authorize?${authorizeQuery(client, { prompt: 'none' })}`);
    expectErrorRedirect(await get(authorizeQuery(client, { prompt: 'none' })), 'login_required');
  });

  it('carries iss = the issuer and a sanitized description on every error redirect', async () => {
    const client = await createClient();
    const res = await get(authorizeQuery(client, { response_type: 'x"y\\z' }));
    const url = expectErrorRedirect(res, 'unsupported_response_type');
    expect(url.searchParams.get('iss')).toBe(ISSUER);
    expect(url.searchParams.get('error_description') ?? '').not.toMatch(/["\\]/);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });

  it('does not create an interaction or set cookies for a refused request', async () => {
    const client = await createClient();
    const res = await get(authorizeQuery(client, { scope: 'bogus' }));
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('Location')!.startsWith(REDIRECT)).toBe(true);
  });
});

describe('authorize: accepted parameters', () => {
  it('accepts unknown extra parameters, display, login_hint, ui_locales, claims_locales and acr_values', async () => {
    const client = await createClient();
    const res = await get(
      authorizeQuery(client, {
        foo: 'bar',
        'x-custom': '1',
        display: 'popup',
        login_hint: 'someone@example.test',
        ui_locales: 'fr-CA fr en',
        claims_locales: 'de',
        acr_values: 'urn:mace:incommon:iap:silver',
        claims: '{"userinfo":{"email":null}}',
        registration: '{}',
      }),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
  });

  it('accepts every supported display value and prompt value', async () => {
    const client = await createClient();
    for (const display of ['page', 'popup', 'touch', 'wap']) {
      const res = await get(authorizeQuery(client, { display }));
      expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
    }
    for (const prompt of ['login', 'consent', 'select_account', 'login consent', 'consent login']) {
      const res = await get(authorizeQuery(client, { prompt }));
      expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
    }
  });

  it('ignores unknown scope values next to openid', async () => {
    const client = await createClient();
    const res = await get(authorizeQuery(client, { scope: 'openid offline_access unknown:scope' }));
    expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
  });

  it('treats POST /authorize with a form body like GET', async () => {
    const client = await createClient();
    const res = await post(authorizeQuery(client));
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('__Host-op_interaction_'))).toBe(true);
  });

  it('answers other methods on /authorize without redirecting', async () => {
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client)}`, { method: 'PUT' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('Location')).toBeNull();
  });
});
