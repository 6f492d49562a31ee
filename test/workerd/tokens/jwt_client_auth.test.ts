// RFC 7523 §3 and OIDC Core §9: private_key_jwt and client_secret_jwt client authentication.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { exportJWK } from 'jose';
import { app } from '../../../src/app';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ADMIN, authorizeInBrowser, fetchOp } from '../helpers';
import {
  assertionAuth,
  basicAuth,
  clientKey,
  createClient,
  createUser,
  env,
  expectError,
  expectTokens,
  ISSUER,
  postForm,
  sign,
  signAssertion,
  TOKEN_URL,
  uniqueIp,
  userinfo,
  type ClientKey,
} from './helpers';

const es = await clientKey('ES256');
const rs = await clientKey('RS256');

/** A private_key_jwt client with both keys, allowed client_credentials and the code flow. */
const keyClient = (overrides: Record<string, unknown> = {}) =>
  createClient({
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [es.publicJwk, rs.publicJwk] },
    grant_types: ['authorization_code', 'client_credentials'],
    scope: 'openid profile api:read',
    first_party: true,
    ...overrides,
  });

const ccWith = (assertion: string, ip?: string) => postForm('/token', { grant_type: 'client_credentials' }, assertionAuth(assertion), ip);

describe('private_key_jwt', () => {
  it('client_credentials with an ES256 assertion whose aud is the token endpoint', async () => {
    const client = await keyClient();
    const tokens = await expectTokens(await ccWith(await sign(client.client_id, es)));
    expect(tokens.scope).toBe('api:read');
  });

  it('client_credentials with an RS256 assertion whose aud is the issuer, with client_id also sent', async () => {
    const client = await keyClient();
    const assertion = await sign(client.client_id, rs, { aud: ISSUER });
    const tokens = await expectTokens(await postForm('/token', { grant_type: 'client_credentials' }, assertionAuth(assertion, client.client_id)));
    expect(tokens.access_token).toBeTruthy();
  });

  it('client_credentials with an EdDSA (Ed25519, an OKP key) assertion; the wrong OKP key is refused', async () => {
    const ed = await clientKey('EdDSA');
    expect(ed.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    const client = await keyClient({ jwks: { keys: [ed.publicJwk] } });
    await expectTokens(await ccWith(await sign(client.client_id, ed)));
    const other = await clientKey('EdDSA', ed.kid);
    await expectError(await ccWith(await sign(client.client_id, other)), 'invalid_client', 401);
  });

  it('audience injection (2025): an aud array is refused, even one naming only the token endpoint or the issuer', async () => {
    const client = await keyClient();
    for (const aud of [['https://other.example/', TOKEN_URL], [TOKEN_URL], [ISSUER], ['https://other.example/', ISSUER]]) {
      await expectError(await ccWith(await sign(client.client_id, es, { aud })), 'invalid_client', 401);
    }
  });

  it('authorization_code with a private_key_jwt assertion; the access token works at userinfo', async () => {
    const client = await keyClient();
    const user = await createUser();
    const callback = await authorizeInBrowser({ client, user, scope: 'openid profile' });
    const code = callback.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const res = await postForm('/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]! }, assertionAuth(await sign(client.client_id, rs)));
    const tokens = await expectTokens(res);
    expect(tokens.id_token).toBeTruthy();
    const info = await userinfo(tokens.access_token);
    expect(info.status).toBe(200);
    expect(((await info.json()) as { sub: string }).sub).toBe(user.id);
  });

  it('the registration returns no client_secret', async () => {
    const client = await keyClient();
    expect(client).not.toHaveProperty('client_secret');
  });

  it('a private_key_jwt client without jwks or jwks_uri cannot be registered', async () => {
    const res = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ client_name: 'no keys', redirect_uris: ['https://rp.example.test/cb'], token_endpoint_auth_method: 'private_key_jwt' }),
    });
    expect(res.status).toBe(400);
  });

  describe('errors: every one is 401 invalid_client and issues nothing', () => {
    const cases: [string, (clientId: string) => Promise<string>][] = [
      [
        'signed with another key under the registered kid',
        async (id) => {
          const impostor: ClientKey = { ...(await clientKey('ES256')), kid: es.kid };
          return sign(id, impostor);
        },
      ],
      ['signed with a key under an unknown kid', async (id) => sign(id, await clientKey('ES256'))],
      ['aud is another URL', (id) => sign(id, es, { aud: 'https://evil.example/token' })],
      ['aud is another endpoint of this OP (userinfo)', (id) => sign(id, es, { aud: `${ISSUER}/userinfo` })],
      ['exp is missing', (id) => sign(id, es, { expIn: null })],
      ['jti is missing', (id) => sign(id, es, { jti: null })],
      ['exp is too far ahead (10 minutes)', (id) => sign(id, es, { expIn: 600 })],
      ['expired (2 minutes ago)', (id) => sign(id, es, { expIn: -120 })],
      ['iss differs from sub', (id) => sign(id, es, { iss: 'someone-else' })],
      ['sub differs from the client (iss = sub = another id)', (id) => sign(id, es, { iss: `${id}x`, sub: `${id}x` })],
      ['HS256 assertion (a symmetric algorithm for a private_key_jwt client)', (id) => signAssertion(id, new TextEncoder().encode('a'.repeat(32)), { alg: 'HS256' })],
      ['alg none', async (id) => {
        const now = Math.floor(Date.now() / 1000);
        const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
        return `${b64({ alg: 'none' })}.${b64({ iss: id, sub: id, aud: TOKEN_URL, exp: now + 60, jti: crypto.randomUUID() })}.`;
      }],
    ];
    for (const [what, make] of cases) {
      it(what, async () => {
        const client = await keyClient();
        const res = await ccWith(await make(client.client_id));
        const body = await expectError(res, 'invalid_client', 401);
        expect(res.headers.get('WWW-Authenticate')).toBeTruthy();
        expect(body.error_description).toBeTruthy();
      });
    }

    it('a replayed assertion (same jti, second use)', async () => {
      const client = await keyClient();
      const assertion = await sign(client.client_id, es);
      await expectTokens(await ccWith(assertion));
      await expectError(await ccWith(assertion), 'invalid_client', 401);
      // A new assertion with the same jti is refused too.
      const jti = crypto.randomUUID();
      await expectTokens(await ccWith(await sign(client.client_id, es, { jti })));
      await expectError(await ccWith(await sign(client.client_id, rs, { jti })), 'invalid_client', 401);
    });

    it('client_id in the body that differs from the assertion subject', async () => {
      const client = await keyClient();
      const other = await keyClient();
      const res = await postForm('/token', { grant_type: 'client_credentials' }, assertionAuth(await sign(client.client_id, es), other.client_id));
      await expectError(res, 'invalid_client', 401);
    });

    it('an assertion for a client registered for client_secret_basic (wrong method)', async () => {
      const client = await createClient({ grant_types: ['authorization_code', 'client_credentials'], scope: 'api:read' });
      // Even an assertion signed with the client's own secret is the wrong method.
      const assertion = await signAssertion(client.client_id, new TextEncoder().encode(client.client_secret!), { alg: 'HS256' });
      await expectError(await ccWith(assertion), 'invalid_client', 401);
      // The registered method still works.
      await expectTokens(await postForm('/token', { grant_type: 'client_credentials' }, basicAuth(client)));
    });

    it('Basic credentials for a private_key_jwt client (wrong method)', async () => {
      const client = await keyClient();
      const res = await postForm('/token', { grant_type: 'client_credentials' }, basicAuth({ ...client, client_secret: 'anything' }));
      await expectError(res, 'invalid_client', 401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Basic /i);
      await expectError(await postForm('/token', { grant_type: 'client_credentials', client_id: client.client_id }), 'invalid_client', 401);
    });

    it('a wrong client_assertion_type -> invalid_request; a missing assertion -> invalid_request', async () => {
      const client = await keyClient();
      const assertion = await sign(client.client_id, es);
      await expectError(
        await postForm('/token', { grant_type: 'client_credentials', client_assertion_type: 'urn:example:other', client_assertion: assertion }),
        'invalid_request',
      );
      await expectError(
        await postForm('/token', { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_id: client.client_id }),
        'invalid_request',
      );
    });

    it('a garbage assertion -> invalid_client, never 5xx', async () => {
      for (const garbage of ['x', 'a.b.c', 'eyJhbGciOiJFUzI1NiJ9.e30.', '...']) {
        await expectError(await ccWith(garbage), 'invalid_client', 401);
      }
    });
  });

  it('at /revoke and /introspect: aud = issuer is accepted; the URL of that endpoint, or of another one, is not', async () => {
    const client = await keyClient();
    const tokens = await expectTokens(await ccWith(await sign(client.client_id, es)));
    for (const other of ['/introspect', '/revoke', '/par', '/userinfo', '/authorize']) {
      await expectError(await postForm('/introspect', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: `${ISSUER}${other}` }))), 'invalid_client', 401);
      await expectError(await postForm('/revoke', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: `${ISSUER}${other}` }))), 'invalid_client', 401);
      await expectError(await ccWith(await sign(client.client_id, es, { aud: `${ISSUER}${other}` })), 'invalid_client', 401);
    }
    const byIssuer = await postForm('/introspect', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: ISSUER })));
    expect(byIssuer.status).toBe(200);
    await expectError(await postForm('/introspect', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: `${ISSUER}/userinfo` }))), 'invalid_client', 401);
    expect((await postForm('/revoke', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: ISSUER })))).status).toBe(200);
    const after = await postForm('/introspect', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: ISSUER })));
    expect(await after.json()).toEqual({ active: false });
  });

  it('OIDC Core §9 / RFC 7523 §3: aud = the token endpoint URL identifies the OP, so it is accepted at /revoke and /introspect too', async () => {
    const client = await keyClient();
    const tokens = await expectTokens(await ccWith(await sign(client.client_id, es)));
    const res = await postForm('/introspect', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: TOKEN_URL })));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(JSON.parse(text).active).toBe(true);
    const revoked = await postForm('/revoke', { token: tokens.access_token }, assertionAuth(await sign(client.client_id, es, { aud: TOKEN_URL })));
    expect(revoked.status, await revoked.text()).toBe(200);
  });

  it('20 parallel uses of one assertion: exactly one 200, the others invalid_client', async () => {
    const client = await keyClient();
    const assertion = await sign(client.client_id, es);
    const ip = uniqueIp();
    const responses = await Promise.all(Array.from({ length: 20 }, () => ccWith(assertion, ip)));
    const results = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body.access_token).toBeTruthy();
    for (const r of results.filter((x) => x.status !== 200)) {
      // 401, or 429 once the failures of this very burst pass the per-client limit.
      expect([401, 429]).toContain(r.status);
      expect(r.body.error).toBe('invalid_client');
    }
  });
});

describe('client_secret_jwt', () => {
  const secretClient = () =>
    createClient({ token_endpoint_auth_method: 'client_secret_jwt', grant_types: ['authorization_code', 'client_credentials'], scope: 'api:read' });
  const hs = (secret: string) => new TextEncoder().encode(secret);

  it('registration returns the client_secret once; it never appears again', async () => {
    const client = await secretClient();
    expect(typeof client.client_secret).toBe('string');
    expect(client.client_secret!.length).toBeGreaterThanOrEqual(32);
    const read = (await (await fetchOp(`/admin/clients/${client.client_id}`, { headers: ADMIN })).json()) as Record<string, unknown>;
    expect(read).not.toHaveProperty('client_secret');
    expect(read.token_endpoint_auth_method).toBe('client_secret_jwt');
  });

  it('an HS256 assertion signed with the secret works (aud = token endpoint, and aud = issuer)', async () => {
    const client = await secretClient();
    await expectTokens(await ccWith(await signAssertion(client.client_id, hs(client.client_secret!), { alg: 'HS256' })));
    await expectTokens(await ccWith(await signAssertion(client.client_id, hs(client.client_secret!), { alg: 'HS256', aud: ISSUER })));
  });

  it('works at introspection with aud = the issuer; aud = the introspection endpoint or an array is refused', async () => {
    const client = await secretClient();
    const tokens = await expectTokens(await ccWith(await signAssertion(client.client_id, hs(client.client_secret!), { alg: 'HS256' })));
    const assertion = await signAssertion(client.client_id, hs(client.client_secret!), { alg: 'HS256', aud: ISSUER });
    const res = await postForm('/introspect', { token: tokens.access_token }, assertionAuth(assertion));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { active: boolean }).active).toBe(true);
    for (const aud of [`${ISSUER}/introspect`, [ISSUER], [TOKEN_URL, ISSUER]]) {
      const refused = await signAssertion(client.client_id, hs(client.client_secret!), { alg: 'HS256', aud });
      await expectError(await postForm('/introspect', { token: tokens.access_token }, assertionAuth(refused)), 'invalid_client', 401);
    }
  });

  it('a wrong secret -> 401 invalid_client', async () => {
    const client = await secretClient();
    await expectError(await ccWith(await signAssertion(client.client_id, hs(`${client.client_secret}x`), { alg: 'HS256' })), 'invalid_client', 401);
  });

  it('an asymmetric (ES256) assertion for a client_secret_jwt client -> 401 invalid_client', async () => {
    const client = await secretClient();
    await expectError(await ccWith(await sign(client.client_id, es)), 'invalid_client', 401);
  });

  it('Basic with the secret of a client_secret_jwt client (wrong method) -> 401 invalid_client', async () => {
    const client = await secretClient();
    await expectError(await postForm('/token', { grant_type: 'client_credentials' }, basicAuth(client)), 'invalid_client', 401);
  });

  it('a replayed HS256 assertion -> 401 invalid_client', async () => {
    const client = await secretClient();
    const assertion = await signAssertion(client.client_id, hs(client.client_secret!), { alg: 'HS256' });
    await expectTokens(await ccWith(assertion));
    await expectError(await ccWith(assertion), 'invalid_client', 401);
  });
});

describe('jwks_uri', () => {
  it(
    'an unreachable jwks_uri -> 401 invalid_client, not 5xx',
    async () => {
      const client = await createClient({
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'http://127.0.0.1:1/jwks',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        scope: 'api:read',
      });
      const res = await ccWith(await sign(client.client_id, es));
      await expectError(res, 'invalid_client', 401);
    },
    30_000,
  );

  // Issue 9 (SSRF): a jwks_uri on a private, link-local or loopback address is never fetched. The admin API
  // stores such a URI (an operator's choice); the token endpoint refuses to fetch it, in its own words.
  it.each([
    'https://169.254.169.254/latest/meta-data/jwks',
    'https://10.0.0.7/jwks',
    'https://[::ffff:192.168.0.1]/jwks',
    'https://0x7f000001/jwks',
    'http://127.0.0.1:1/jwks',
    'https://metadata.google.internal/jwks',
  ])('a jwks_uri of %s is not fetched -> 401 invalid_client; the refusal is logged, not told', async (jwksUri) => {
    const client = await createClient({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri, grant_types: ['client_credentials'], redirect_uris: [], scope: 'api:read' });
    const logged = captureWarnings();
    try {
      const err = await expectError(await ccWith(await sign(client.client_id, es)), 'invalid_client', 401);
      expect(err.error_description).toBe('client authentication failed');
      expect(logged.lines.join('\n')).toMatch(/jwks_uri must be a public address/);
    } finally {
      logged.restore();
    }
  });

  it(
    'loopback is fetched while the OP runs on http on loopback (development): the log says what failed, in our words',
    async () => {
      const devIssuer = 'http://127.0.0.1:8787';
      const logged = captureWarnings();
      onTestFinished(() => logged.restore());
      const client = await createClient({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://127.0.0.1:1/jwks', grant_types: ['client_credentials'], redirect_uris: [], scope: 'api:read' });
      const ctx = createExecutionContext();
      const assertion = await sign(client.client_id, es, { aud: `${devIssuer}/token` });
      const res = await app.fetch(
        new Request(`${devIssuer}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'CF-Connecting-IP': uniqueIp() }, body: new URLSearchParams({ grant_type: 'client_credentials', ...assertionAuth(assertion).form }).toString() }),
        { ...env, ISSUER: devIssuer },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      const err = await expectError(res, 'invalid_client', 401);
      expect(err.error_description).toBe('client authentication failed');
      expect(logged.lines.join('\n')).toMatch(/jwks_uri (could not be reached|gave no answer)/);
    },
    30_000,
  );

  it('jwks and jwks_uri together are refused; a non-https jwks_uri off loopback is refused', async () => {
    const both = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ client_name: 'x', redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [es.publicJwk] }, jwks_uri: 'https://rp.example/jwks' }),
    });
    expect(both.status).toBe(400);
    const plain = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ client_name: 'x', redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://rp.example/jwks' }),
    });
    expect(plain.status).toBe(400);
  });

  it('a jwks holding a private key is refused', async () => {
    const privateJwk = await exportJWK(es.privateKey);
    const res = await fetchOp('/admin/clients', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ client_name: 'x', redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [privateJwk] } }),
    });
    expect(res.status).toBe(400);
  });
});

/** Collects console.warn lines (the operator's log) until restored. */
function captureWarnings(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  return { lines, restore: () => spy.mockRestore() };
}
