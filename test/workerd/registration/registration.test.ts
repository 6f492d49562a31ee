// OpenID Dynamic Client Registration 1.0 and RFC 7591: the registration endpoint and its policy.
import { describe, expect, it } from 'vitest';
import { ADMIN, ISSUER, env, fetchOp, obtainTokens, createUser } from '../helpers';
import { JSON_HEADERS, META, expectError, fetchWith, initialAccessToken, register, registered } from './local-helpers';

describe('registration endpoint (RFC 7591 §3)', () => {
  it('answers 201 with every registered member, the credentials and the management URI', async () => {
    const { initial_access_token } = await initialAccessToken();
    const before = Math.floor(Date.now() / 1000);
    const res = await register(
      {
        ...META,
        'client_name#fr': 'Appli dynamique',
        logo_uri: 'https://rp.example.test/logo.png',
        'tos_uri#de': 'https://rp.example.test/agb',
        policy_uri: 'https://rp.example.test/privacy',
        client_uri: 'https://rp.example.test/',
        contacts: ['ops@rp.example.test'],
        default_max_age: 600,
        require_auth_time: true,
        default_acr_values: ['urn:example:mfa', '1'],
        initiate_login_uri: 'https://rp.example.test/login',
        post_logout_redirect_uris: ['https://rp.example.test/bye'],
        frontchannel_logout_uri: 'https://rp.example.test/fc',
        frontchannel_logout_session_required: true,
        backchannel_logout_uri: 'https://rp.example.test/bc',
        backchannel_logout_session_required: false,
        software_id: 'rp-suite',
        software_version: '2.1',
        made_up_member: 'ignored',
      },
      initial_access_token,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      client_name: 'Dynamic App',
      'client_name#fr': 'Appli dynamique',
      redirect_uris: ['https://rp.example.test/cb'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      subject_type: 'public',
      logo_uri: 'https://rp.example.test/logo.png',
      'tos_uri#de': 'https://rp.example.test/agb',
      contacts: ['ops@rp.example.test'],
      default_max_age: 600,
      require_auth_time: true,
      default_acr_values: ['urn:example:mfa', '1'],
      initiate_login_uri: 'https://rp.example.test/login',
      post_logout_redirect_uris: ['https://rp.example.test/bye'],
      frontchannel_logout_uri: 'https://rp.example.test/fc',
      frontchannel_logout_session_required: true,
      backchannel_logout_uri: 'https://rp.example.test/bc',
      backchannel_logout_session_required: false,
      software_id: 'rp-suite',
      software_version: '2.1',
      client_secret_expires_at: 0,
    });
    expect(body).not.toHaveProperty('made_up_member');
    expect(body).not.toHaveProperty('first_party');
    expect(typeof body.client_id).toBe('string');
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.registration_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.registration_client_uri).toBe(`${ISSUER}/register/${body.client_id}`);
    expect(body.client_id_issued_at as number).toBeGreaterThanOrEqual(before);

    // Secrets and the registration access token are stored hashed, never in the clear.
    const row = await env.DB.prepare('SELECT * FROM clients WHERE id = ?').bind(body.client_id).first<Record<string, unknown>>();
    expect(row!.first_party).toBe(0);
    expect(JSON.stringify(row)).not.toContain(body.client_secret as string);
    expect(JSON.stringify(row)).not.toContain(body.registration_access_token as string);
  });

  it('a public client (none) and a private_key_jwt client get no client_secret', async () => {
    const pub = await registered({ token_endpoint_auth_method: 'none' });
    expect(pub).not.toHaveProperty('client_secret');
    expect(pub).not.toHaveProperty('client_secret_expires_at');
    const jwt = await registered({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] },
    });
    expect(jwt).not.toHaveProperty('client_secret');
    expect(jwt.jwks).toBeDefined();
  });

  it('a dynamically registered client completes the code flow (with consent: never first-party)', async () => {
    const client = await registered({ client_name: 'Flow App' });
    const user = await createUser();
    const tokens = await obtainTokens({ client: { client_id: client.client_id, client_secret: client.client_secret, redirect_uris: client.redirect_uris }, user });
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.scope).toContain('openid');
  });

  it('native clients: custom schemes and loopback http with any port; not http elsewhere', async () => {
    const ok = await registered({ application_type: 'native', redirect_uris: ['com.example.app:/cb', 'http://127.0.0.1:51234/cb', 'http://[::1]/cb'], token_endpoint_auth_method: 'none' });
    expect(ok.application_type).toBe('native');
    const { initial_access_token } = await initialAccessToken();
    await expectError(await register({ ...META, application_type: 'native', redirect_uris: ['http://rp.example.test/cb'] }, initial_access_token), 400, 'invalid_redirect_uri', /loopback/);
  });
});

describe('invalid metadata (Registration 1.0 §3.3, RFC 7591 §3.2.2)', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a fragment in a redirect URI', { redirect_uris: ['https://rp.example.test/cb#frag'] }, 'invalid_redirect_uri', /fragment/],
    ['a web client with an http redirect URI', { redirect_uris: ['http://rp.example.test/cb'] }, 'invalid_redirect_uri', /https/],
    ['a web client with loopback http while the OP is on https', { redirect_uris: ['http://127.0.0.1:3000/cb'] }, 'invalid_redirect_uri', /https/],
    ['a relative redirect URI', { redirect_uris: ['/cb'] }, 'invalid_redirect_uri', /absolute/],
    ['a javascript: redirect URI', { application_type: 'native', redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', /forbidden scheme/],
    ['no redirect URI for the code grant', { redirect_uris: [] }, 'invalid_redirect_uri', /redirect_uris is required/],
    ['redirect_uris not an array', { redirect_uris: 'https://rp.example.test/cb' }, 'invalid_client_metadata', /redirect_uris must be an array/],
    ['the implicit grant without an implicit response type', { grant_types: ['implicit'], response_types: ['code'] }, 'invalid_client_metadata', /response type code needs the authorization_code grant/],
    ['an implicit response type without the implicit grant', { grant_types: ['authorization_code'], response_types: ['code id_token'] }, 'invalid_client_metadata', /need the implicit grant/],
    ['an unknown response type', { response_types: ['code idtoken'] }, 'invalid_client_metadata', /code idtoken is not supported/],
    ['response type code without the authorization_code grant', { grant_types: ['client_credentials'], response_types: ['code'] }, 'invalid_client_metadata', /needs the authorization_code grant/],
    ['the authorization_code grant without response type code', { grant_types: ['authorization_code'], response_types: [] }, 'invalid_client_metadata', /needs a response type with code/],
    ['an unsupported grant type', { grant_types: ['password'] }, 'invalid_client_metadata', /password is not supported/],
    ['refresh_token without authorization_code', { grant_types: ['refresh_token'], response_types: [] }, 'invalid_client_metadata', /refresh_token grant needs/],
    ['an unknown application_type', { application_type: 'desktop' }, 'invalid_client_metadata', /application_type/],
    ['an unknown token_endpoint_auth_method', { token_endpoint_auth_method: 'tls_client_auth' }, 'invalid_client_metadata', /token_endpoint_auth_method/],
    ['a public client with client_credentials', { token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'client_credentials'] }, 'invalid_client_metadata', /public client/],
    ['private_key_jwt without keys', { token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', /jwks or jwks_uri/],
    ['both jwks and jwks_uri', { jwks: { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }, jwks_uri: 'https://rp.example.test/jwks' }, 'invalid_client_metadata', /must not both/],
    ['a private key in jwks', { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'invalid_client_metadata', /public keys only/],
    ['an http jwks_uri', { jwks_uri: 'http://rp.example.test/jwks' }, 'invalid_client_metadata', /jwks_uri must use https/],
    ['unsigned ID tokens', { id_token_signed_response_alg: 'none' }, 'invalid_client_metadata', /none is not supported/],
    ['an unknown ID token algorithm', { id_token_signed_response_alg: 'HS256' }, 'invalid_client_metadata', /id_token_signed_response_alg must be one of/],
    ['an unknown userinfo algorithm', { userinfo_signed_response_alg: 'RS384' }, 'invalid_client_metadata', /userinfo_signed_response_alg must be one of/],
    ['encrypted ID tokens', { id_token_encrypted_response_alg: 'RSA-OAEP' }, 'invalid_client_metadata', /encrypted responses are not supported/],
    ['an assertion algorithm that does not fit the method', { token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'RS256' }, 'invalid_client_metadata', /HS256/],
    ['an http initiate_login_uri', { initiate_login_uri: 'http://rp.example.test/login' }, 'invalid_client_metadata', /initiate_login_uri must use https/],
    ['a logo_uri that is not a URL', { logo_uri: 'logo.png' }, 'invalid_client_metadata', /logo_uri/],
    ['a malformed language tag', { 'client_name#not a tag': 'x' }, 'invalid_client_metadata', /language tag/],
    ['an empty client_name', { client_name: '  ' }, 'invalid_client_metadata', /client_name/],
    ['contacts not an array', { contacts: 'ops@rp.example.test' }, 'invalid_client_metadata', /contacts/],
    ['a negative default_max_age', { default_max_age: -1 }, 'invalid_client_metadata', /default_max_age/],
    ['require_auth_time not a boolean', { require_auth_time: 'yes' }, 'invalid_client_metadata', /require_auth_time/],
    ['a fragment in a post_logout_redirect_uri', { post_logout_redirect_uris: ['https://rp.example.test/bye#x'] }, 'invalid_client_metadata', /fragment/],
    ['an http backchannel_logout_uri', { backchannel_logout_uri: 'http://rp.example.test/bc' }, 'invalid_client_metadata', /backchannel_logout_uri must use https/],
    ['a malformed scope', { scope: 'openid "quoted"' }, 'invalid_client_metadata', /scope/],
    // Issue 9: members the OP understands but cannot honour are refused, never echoed.
    ['encrypted userinfo responses', { userinfo_encrypted_response_alg: 'RSA-OAEP', userinfo_encrypted_response_enc: 'A128GCM' }, 'invalid_client_metadata', /userinfo_encrypted_response_alg/],
    ['encrypted request objects', { request_object_encryption_alg: 'RSA-OAEP' }, 'invalid_client_metadata', /request_object_encryption_alg/],
    ['unsigned request objects', { request_object_signing_alg: 'none' }, 'invalid_client_metadata', /request_object_signing_alg must be one of/],
    ['a request_uri that is not https', { request_uris: ['http://rp.example.test/req'] }, 'invalid_client_metadata', /request_uri http:\/\/rp.example.test\/req must use https/],
    ['a request_uri on a private address (SSRF)', { request_uris: ['https://10.1.2.3/req'] }, 'invalid_client_metadata', /request_uri must be a public address/],
    ['request_uris not a list', { request_uris: 'https://rp.example.test/req' }, 'invalid_client_metadata', /request_uris must be a list/],
    ['mTLS-bound tokens (RFC 8705)', { tls_client_certificate_bound_access_tokens: true }, 'invalid_client_metadata', /tls_client_certificate_bound_access_tokens/],
    ['dpop_bound_access_tokens not a boolean', { dpop_bound_access_tokens: 'yes' }, 'invalid_client_metadata', /dpop_bound_access_tokens must be a boolean/],
    ['an unsupported subject_type', { subject_type: 'ephemeral' }, 'invalid_client_metadata', /subject_type/],
    ['default_acr_values the OP can never satisfy', { default_acr_values: ['urn:example:mfa'] }, 'invalid_client_metadata', /default_acr_values/],
    ['default_max_age not a number', { default_max_age: '600' }, 'invalid_client_metadata', /default_max_age/],
  ];
  for (const [name, metadata, error, description] of cases) {
    it(`${name} -> 400 ${error}`, async () => {
      const { initial_access_token } = await initialAccessToken();
      await expectError(await register({ ...META, ...metadata }, initial_access_token), 400, error, description);
    });
  }

  it('a software statement -> 400 unapproved_software_statement', async () => {
    const { initial_access_token } = await initialAccessToken();
    await expectError(await register({ ...META, software_statement: 'eyJhbGciOiJub25lIn0.e30.' }, initial_access_token), 400, 'unapproved_software_statement');
  });

  it('a body that is not a JSON object, or not JSON at all -> 400, never 5xx', async () => {
    const { initial_access_token } = await initialAccessToken({ uses: 5 });
    const auth = { Authorization: `Bearer ${initial_access_token}` };
    await expectError(await register(['not', 'an', 'object'], initial_access_token), 400, 'invalid_client_metadata');
    await expectError(await fetchOp('/register', { method: 'POST', headers: { ...JSON_HEADERS, ...auth }, body: '{"redirect_uris": [' }), 400, 'invalid_request', /JSON/);
    await expectError(await fetchOp('/register', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...auth }, body: 'a=b' }), 400, 'invalid_request', /application\/json/);
    await expectError(await fetchOp('/register', { method: 'POST', headers: { ...JSON_HEADERS, ...auth }, body: JSON.stringify({ ...META, client_name: 'x'.repeat(70_000) }) }), 400, 'invalid_request', /too large/);
    // Invalid requests did not spend the token's uses.
    expect((await register(META, initial_access_token)).status).toBe(201);
  });

  it('other methods at /register -> 405 JSON', async () => {
    const res = await fetchOp('/register');
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('POST');
  });
});

describe('initial access tokens (REGISTRATION=token, the default)', () => {
  it('is required: none, a wrong one, or another scheme -> 401 with a Bearer challenge', async () => {
    for (const headers of [{}, { Authorization: 'Bearer not-a-real-token' }, { Authorization: 'Basic YTpi' }] as Record<string, string>[]) {
      const res = await fetchOp('/register', { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(META) });
      await expectError(res.clone(), 401, 'invalid_token');
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
    }
  });

  it('is single-use by default', async () => {
    const { initial_access_token, uses } = await initialAccessToken();
    expect(uses).toBe(1);
    expect((await register(META, initial_access_token)).status).toBe(201);
    await expectError(await register(META, initial_access_token), 401, 'invalid_token', /used up/);
  });

  it('with uses N serves exactly N registrations, even concurrently', async () => {
    const { initial_access_token } = await initialAccessToken({ uses: 3 });
    const results = await Promise.all(Array.from({ length: 6 }, () => register(META, initial_access_token)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 401, 401, 401]);
  });

  it('expires', async () => {
    const { initial_access_token, expires_at } = await initialAccessToken({ ttl: 60 });
    const now = Math.floor(Date.now() / 1000);
    expect(expires_at).toBeGreaterThanOrEqual(now + 59);
    expect(expires_at).toBeLessThanOrEqual(now + 61);
    // Move its expiry into the past, as if 60 seconds had gone by.
    await env.DB.prepare('UPDATE initial_access_tokens SET expires_at = ? WHERE expires_at = ?').bind(now - 1, expires_at).run();
    await expectError(await register(META, initial_access_token), 401, 'invalid_token');
  });

  it('is stored hashed', async () => {
    const { initial_access_token } = await initialAccessToken();
    const rows = await env.DB.prepare('SELECT token_hash FROM initial_access_tokens').all<{ token_hash: string }>();
    expect(rows.results.length).toBeGreaterThan(0);
    expect(rows.results.some((r) => r.token_hash === initial_access_token)).toBe(false);
  });

  it('expired and used-up tokens are purged by the daily housekeeping; live ones stay', async () => {
    const now = Math.floor(Date.now() / 1000);
    await env.DB.batch([
      env.DB.prepare('INSERT INTO initial_access_tokens (token_hash, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?)').bind('hk-expired', 1, now - 1, now - 100),
      env.DB.prepare('INSERT INTO initial_access_tokens (token_hash, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?)').bind('hk-used', 0, now + 100, now - 100),
      env.DB.prepare('INSERT INTO initial_access_tokens (token_hash, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?)').bind('hk-live', 1, now + 100, now - 100),
    ]);
    const { purgeExpired } = await import('../../../src/jobs/housekeeping');
    expect((await purgeExpired(env.DB, now)).deleted.initial_access_tokens).toBeGreaterThanOrEqual(2);
    const left = await env.DB.prepare("SELECT token_hash FROM initial_access_tokens WHERE token_hash LIKE 'hk-%'").all<{ token_hash: string }>();
    expect(left.results.map((r) => r.token_hash)).toEqual(['hk-live']);
  });

  it('the admin API refuses bad uses and ttl values', async () => {
    for (const body of [{ uses: 0 }, { uses: 1.5 }, { ttl: -5 }, { ttl: 'soon' }]) {
      const res = await fetchOp('/admin/registration/tokens', { method: 'POST', headers: ADMIN, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
    }
  });
});

describe('REGISTRATION policy', () => {
  it('open: no initial access token is needed', async () => {
    const res = await fetchWith({ REGISTRATION: 'open' }, `${ISSUER}/register`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(META) });
    expect(res.status).toBe(201);
  });

  it('off: the endpoint answers 404 JSON and discovery leaves registration_endpoint out', async () => {
    const res = await fetchWith({ REGISTRATION: 'off', ISSUER: 'https://off.example.test' }, 'https://off.example.test/register', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(META) });
    await expectError(res, 404, 'not_found', /disabled/);
    const meta = (await (await fetchWith({ REGISTRATION: 'off', ISSUER: 'https://off.example.test' }, 'https://off.example.test/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta.issuer).toBe('https://off.example.test');
    expect(meta).not.toHaveProperty('registration_endpoint');
  });

  it('token (default): discovery advertises the registration endpoint', async () => {
    const meta = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta.registration_endpoint).toBe(`${ISSUER}/register`);
  });
});
