import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorizeInBrowser, basic, createClient, createUser, env, exchangeCode, fetchOp, pkcePair, type TestClient } from '../helpers';
import { FORM, expectTokenError, plantCode, postToken } from './local-helpers';

async function freshCode(client: TestClient, codeChallenge?: string) {
  const user = await createUser();
  const cb = await authorizeInBrowser({ client, user, codeChallenge });
  return cb.searchParams.get('code')!;
}

const userinfo = (token: string) => fetchOp('/userinfo', { headers: { Authorization: `Bearer ${token}` } });

/** RFC 6749 §4.1.3 and §5.2, RFC 7636 §4.5-§4.6. */
describe('token: authorization_code grant errors', () => {
  it('wrong redirect_uri -> invalid_grant; the code is then still redeemable with the right one', async () => {
    const client = await createClient({ first_party: true, redirect_uris: ['https://rp.example.test/cb', 'https://rp.example.test/other'] });
    const code = await freshCode(client);
    for (const uri of ['https://rp.example.test/other', 'https://rp.example.test/cb/', 'https://evil.example.test/cb']) {
      await expectTokenError(await exchangeCode(client, code, { redirect_uri: uri }), 'invalid_grant');
    }
    const ok = await exchangeCode(client, code);
    expect(ok.status).toBe(200);
  });

  it('missing redirect_uri -> invalid_grant (it was in the authorization request)', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const res = await postToken({ grant_type: 'authorization_code', code }, { client });
    await expectTokenError(res, 'invalid_grant');
    expect((await exchangeCode(client, code)).status).toBe(200);
  });

  it('wrong code_verifier -> invalid_grant; the right one still works afterwards', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none', first_party: true });
    const { verifier, challenge } = await pkcePair();
    const code = await freshCode(client, challenge);
    const other = await pkcePair();
    await expectTokenError(await exchangeCode(client, code, { code_verifier: other.verifier }), 'invalid_grant');
    // The challenge itself is not a valid verifier.
    await expectTokenError(await exchangeCode(client, code, { code_verifier: challenge }), 'invalid_grant');
    expect((await exchangeCode(client, code, { code_verifier: verifier })).status).toBe(200);
  });

  it('missing code_verifier when a challenge was sent -> invalid_grant (public and confidential clients)', async () => {
    const pub = await createClient({ token_endpoint_auth_method: 'none', first_party: true });
    const conf = await createClient({ first_party: true });
    for (const client of [pub, conf]) {
      const { verifier, challenge } = await pkcePair();
      const code = await freshCode(client, challenge);
      await expectTokenError(await exchangeCode(client, code), 'invalid_grant');
      expect((await exchangeCode(client, code, { code_verifier: verifier })).status).toBe(200);
    }
  });

  it('code_verifier sent when no challenge was sent -> invalid_grant (PKCE downgrade, RFC 9700 §4.8.2)', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const { verifier } = await pkcePair();
    await expectTokenError(await exchangeCode(client, code, { code_verifier: verifier }), 'invalid_grant');
    expect((await exchangeCode(client, code)).status).toBe(200);
  });

  for (const [what, verifier] of [
    ['too short (42 characters)', 'a'.repeat(42)],
    ['too long (129 characters)', 'a'.repeat(129)],
    ['a character outside the unreserved set', `${'a'.repeat(42)}+`],
    ['a space', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
    ['non-ASCII', `${'a'.repeat(42)}é`],
  ] as const) {
    it(`malformed code_verifier (${what}) -> invalid_request`, async () => {
      const client = await createClient({ token_endpoint_auth_method: 'none', first_party: true });
      const { challenge } = await pkcePair();
      const code = await freshCode(client, challenge);
      await expectTokenError(await exchangeCode(client, code, { code_verifier: verifier }), 'invalid_request');
    });
  }

  it('accepts verifiers of exactly 43 and 128 characters with all unreserved characters (format check is not too strict)', async () => {
    const client = await createClient({ token_endpoint_auth_method: 'none', first_party: true });
    for (const verifier of [`${'A'.repeat(39)}-._~`, `${'z9'.repeat(62)}-._~`]) {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
      const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const code = await freshCode(client, challenge);
      expect((await exchangeCode(client, code, { code_verifier: verifier })).status).toBe(200);
    }
  });

  it('code issued to another client -> invalid_grant', async () => {
    const owner = await createClient({ first_party: true });
    const thief = await createClient({ first_party: true, redirect_uris: owner.redirect_uris });
    const code = await freshCode(owner);
    await expectTokenError(await exchangeCode(thief, code), 'invalid_grant');
    const pubThief = await createClient({ token_endpoint_auth_method: 'none', redirect_uris: owner.redirect_uris });
    await expectTokenError(await exchangeCode(pubThief, code), 'invalid_grant');
  });

  it('missing code -> invalid_request', async () => {
    const client = await createClient();
    await expectTokenError(await postToken({ grant_type: 'authorization_code', redirect_uri: client.redirect_uris[0]! }, { client }), 'invalid_request');
  });

  it('garbage and malformed code strings -> invalid_grant, never 5xx', async () => {
    const client = await createClient({ first_party: true });
    const real = await freshCode(client);
    const [realId, realSecret] = real.split('.') as [string, string];
    const randomHex = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const secret43 = 'A'.repeat(43);
    const candidates = [
      'x',
      'abc.def',
      'not-a-code-at-all',
      crypto.randomUUID(),
      '.',
      `${realId}.`,
      `.${realSecret}`,
      realId,
      realSecret,
      `${realId}.${realSecret}.extra`,
      `${realId}.${realSecret.slice(0, -1)}`,
      `${realId}.${secret43}`, // a valid-looking code: real object id, wrong secret
      `${realId.slice(0, -1)}${realId.endsWith("0") ? "1" : "0"}.${realSecret}`, // an id with a corrupted checksum
      `${randomHex}.${secret43}`, // 64 hex characters that are not a Durable Object id
      `${'0'.repeat(64)}.${secret43}`,
      `${'f'.repeat(64)}.${secret43}`,
      `${realId.toUpperCase()}.${realSecret}`,
      `${realId}.${realSecret}`.replace('.', '%2E'),
      'x'.repeat(8000),
      `${realId}.${'A'.repeat(2000)}`,
      '\u0000\u0001',
      '😀',
    ];
    for (const code of candidates) {
      const res = await exchangeCode(client, code);
      expect(res.status, `code ${JSON.stringify(code.slice(0, 80))}`).toBeLessThan(500);
      await expectTokenError(res, 'invalid_grant');
    }
    // None of these burned the real code.
    expect((await exchangeCode(client, real)).status).toBe(200);
  });

  it('a valid-looking code of a Durable Object that holds no record -> invalid_grant', async () => {
    const client = await createClient();
    const id = env.AUTH_CODES.newUniqueId().toString();
    await expectTokenError(await exchangeCode(client, `${id}.${'B'.repeat(43)}`), 'invalid_grant');
  });

  it('expired code -> invalid_grant, while the same record unexpired is redeemable', async () => {
    const client = await createClient();
    const user = await createUser();
    const now = Math.floor(Date.now() / 1000);
    const live = await plantCode(client, user.id, { expiresAt: now + 60 });
    const liveRes = await exchangeCode(client, live.code);
    expect(liveRes.status).toBe(200);

    const expired = await plantCode(client, user.id, { issuedAt: now - 120, authTime: now - 120, expiresAt: now - 60 });
    await expectTokenError(await exchangeCode(client, expired.code), 'invalid_grant');
    const justExpired = await plantCode(client, user.id, { expiresAt: now });
    await expectTokenError(await exchangeCode(client, justExpired.code), 'invalid_grant');
  });

  it('a planted code with a wrong secret -> invalid_grant', async () => {
    const client = await createClient();
    const user = await createUser();
    const planted = await plantCode(client, user.id);
    await expectTokenError(await exchangeCode(client, `${planted.id}.${'C'.repeat(43)}`), 'invalid_grant');
    expect((await exchangeCode(client, planted.code)).status).toBe(200);
  });

  it('a code whose user has been deleted -> invalid_grant', async () => {
    const client = await createClient({ first_party: true });
    const user = await createUser();
    const cb = await authorizeInBrowser({ client, user });
    const del = await fetchOp(`/admin/users/${user.id}`, { method: 'DELETE', headers: { Authorization: 'Bearer test-admin-token-0123456789abcdefghij' } });
    expect(del.status).toBe(204);
    await expectTokenError(await exchangeCode(client, cb.searchParams.get('code')!), 'invalid_grant');
  });

  it('replayed code -> invalid_grant, and the access token from the first redemption is then rejected at userinfo', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const first = await exchangeCode(client, code);
    expect(first.status).toBe(200);
    const { access_token } = (await first.json()) as { access_token: string };
    expect((await userinfo(access_token)).status).toBe(200);

    await expectTokenError(await exchangeCode(client, code), 'invalid_grant');
    const after = await userinfo(access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get('WWW-Authenticate')).toMatch(/error="invalid_token"/);
    expect(((await after.json()) as { error: string }).error).toBe('invalid_token');
    // Further replays keep failing.
    await expectTokenError(await exchangeCode(client, code), 'invalid_grant');
  });

  it('a replay by another client neither succeeds nor revokes the owner tokens', async () => {
    const client = await createClient({ first_party: true });
    const other = await createClient({ first_party: true });
    const code = await freshCode(client);
    const first = await exchangeCode(client, code);
    const { access_token } = (await first.json()) as { access_token: string };
    await expectTokenError(await exchangeCode(other, code), 'invalid_grant');
    expect((await userinfo(access_token)).status).toBe(200);
  });

  it('20 concurrent redemptions of one code: exactly one 200 and 19 invalid_grant, and the issued access token is revoked', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const results = await Promise.all(Array.from({ length: 20 }, () => exchangeCode(client, code)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    const failures = results.filter((r) => r.status !== 200);
    expect(failures).toHaveLength(19);
    for (const f of failures) await expectTokenError(f, 'invalid_grant');
    const { access_token } = (await ok[0]!.json()) as { access_token: string };
    // RFC 6749 §4.1.2 / RFC 9700 §4.5: the replays SHOULD revoke what the first redemption issued.
    const res = await userinfo(access_token);
    expect(res.status).toBe(401);
  });

  it('a replay racing the first redemption still revokes its tokens (2 concurrent redemptions, repeated)', async () => {
    const client = await createClient({ first_party: true });
    for (let i = 0; i < 5; i++) {
      const code = await freshCode(client);
      const results = await Promise.all([exchangeCode(client, code), exchangeCode(client, code)]);
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      const { access_token } = (await ok[0]!.json()) as { access_token: string };
      const res = await userinfo(access_token);
      const gid = decodeJwt(access_token).gid as string;
      const grant = await env.DB.prepare('SELECT revoked_at FROM grants WHERE id = ?').bind(gid).first<{ revoked_at: number | null }>();
      expect(res.status, `round ${i}: the access token of a replayed code is still accepted (grant row revoked_at=${grant?.revoked_at})`).toBe(401);
    }
  });
});

describe('token: grant_type and request format', () => {
  it('unsupported grant_type -> unsupported_grant_type', async () => {
    const client = await createClient();
    for (const grantType of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'AUTHORIZATION_CODE', 'constructor', '__proto__']) {
      await expectTokenError(await postToken({ grant_type: grantType, code: 'x' }, { client }), 'unsupported_grant_type');
    }
  });

  it('a supported grant the client is not allowed -> unauthorized_client (RFC 6749 §5.2)', async () => {
    const client = await createClient();
    await expectTokenError(await postToken({ grant_type: 'client_credentials' }, { client }), 'unauthorized_client');
    await expectTokenError(await postToken({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(43) }, { client }), 'unauthorized_client');
  });

  it('missing or empty grant_type -> invalid_request', async () => {
    const client = await createClient();
    await expectTokenError(await postToken({ code: 'x', redirect_uri: client.redirect_uris[0]! }, { client }), 'invalid_request');
    await expectTokenError(await postToken('grant_type=&code=x', { client }), 'invalid_request');
  });

  it('sanitizes an echoed grant_type with quotes and backslashes in error_description', async () => {
    const client = await createClient();
    const res = await postToken({ grant_type: 'a"b\\c\u0001d\u00e9' }, { client });
    const body = await expectTokenError(res, 'unsupported_grant_type');
    expect(body.error_description ?? '').not.toMatch(/["\\]/);
  });

  const authed = async () => {
    const client = await createClient();
    return { client, headers: { Authorization: basic(client) } };
  };

  it('a JSON body -> 400 JSON error', async () => {
    const { client, headers } = await authed();
    const res = await fetchOp('/token', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: 'x', redirect_uri: client.redirect_uris[0] }),
    });
    await expectTokenError(res, 'invalid_request');
  });

  it('a multipart body -> 400 JSON error', async () => {
    const { headers } = await authed();
    const form = new FormData();
    form.set('grant_type', 'authorization_code');
    form.set('code', 'x');
    const res = await fetchOp('/token', { method: 'POST', headers, body: form });
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    await expectTokenError(res, 'invalid_request');
  });

  it('a body without Content-Type, or text/plain -> 400 JSON error', async () => {
    const { headers } = await authed();
    const none = await fetchOp('/token', { method: 'POST', headers, body: new TextEncoder().encode('grant_type=authorization_code&code=x') });
    await expectTokenError(none, 'invalid_request');
    const text = await fetchOp('/token', { method: 'POST', headers: { ...headers, 'Content-Type': 'text/plain' }, body: 'grant_type=authorization_code&code=x' });
    await expectTokenError(text, 'invalid_request');
  });

  it('an empty body -> 400 invalid_request', async () => {
    const { headers } = await authed();
    await expectTokenError(await fetchOp('/token', { method: 'POST', headers: { ...headers, ...FORM }, body: '' }), 'invalid_request');
    await expectTokenError(await fetchOp('/token', { method: 'POST', headers: { ...headers, ...FORM } }), 'invalid_request');
  });

  it('malformed percent-encoding (%FF, truncated escape) -> 400 invalid_request', async () => {
    const { client } = await authed();
    await expectTokenError(await postToken('grant_type=authorization_code&code=%FF', { client }), 'invalid_request');
    await expectTokenError(await postToken('grant_type=authorization_code&code=abc%2', { client }), 'invalid_request');
    await expectTokenError(await postToken('grant_type=authorization_code&code=%zz', { client }), 'invalid_request');
  });

  it('a body that is not valid UTF-8 -> 400 invalid_request', async () => {
    const { headers } = await authed();
    const bytes = new Uint8Array([...new TextEncoder().encode('grant_type=authorization_code&code='), 0xff, 0xfe]);
    await expectTokenError(await fetchOp('/token', { method: 'POST', headers: { ...headers, ...FORM }, body: bytes }), 'invalid_request');
  });

  it('duplicated parameters -> 400 invalid_request (RFC 6749 §3.2), without consuming the code', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const base = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]! }).toString();
    for (const dup of ['grant_type=authorization_code', `code=${code}`, `redirect_uri=${encodeURIComponent(client.redirect_uris[0]!)}`]) {
      await expectTokenError(await postToken(`${base}&${dup}`, { client }), 'invalid_request');
    }
    expect((await exchangeCode(client, code)).status).toBe(200);
  });

  it('an oversized (100 KB) body -> 400 JSON error', async () => {
    const { client } = await authed();
    const body = `grant_type=authorization_code&code=x&padding=${'a'.repeat(100 * 1024)}`;
    await expectTokenError(await postToken(body, { client }), 'invalid_request');
    // The same without a Content-Length (streamed) is refused too.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(i === 0 ? 'grant_type=authorization_code&x=' : 'a'.repeat(10 * 1024)));
        controller.close();
      },
    });
    const res = await fetchOp('/token', { method: 'POST', headers: { ...FORM, Authorization: basic(client) }, body: stream, duplex: 'half' } as RequestInit);
    await expectTokenError(res, 'invalid_request');
  });

  it('an oversized single parameter -> 400 invalid_request', async () => {
    const { client } = await authed();
    await expectTokenError(await postToken(`grant_type=authorization_code&code=${'a'.repeat(9000)}`, { client }), 'invalid_request');
  });

  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
    it(`${method} /token -> 405 JSON with Allow: POST`, async () => {
      const client = await createClient();
      const init: RequestInit = { method, headers: { Authorization: basic(client), ...(method === 'GET' || method === 'DELETE' ? {} : FORM) } };
      if (method !== 'GET' && method !== 'DELETE') init.body = 'grant_type=authorization_code&code=x';
      const res = await fetchOp(method === 'GET' ? '/token?grant_type=authorization_code&code=x' : '/token', init);
      expect(res.status).toBe(405);
      expect(res.headers.get('Allow')).toBe('POST');
      expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: string; error_description?: string };
      expect(typeof body.error).toBe('string');
      expect(body.error_description ?? '').not.toMatch(/["\\]/);
    });
  }

  it('successful responses carry Cache-Control: no-store and Pragma: no-cache, and a JSON body', async () => {
    const client = await createClient({ first_party: true });
    const code = await freshCode(client);
    const res = await exchangeCode(client, code);
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(res.headers.get('Pragma')).toBe('no-cache');
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  });
});
