// Malformed requests against the registration endpoints and the new admin routes: never a 5xx,
// always a JSON error with a string `error`.
import { describe, expect, inject, test } from 'vitest';

const baseUrl = inject('baseUrl');
const adminToken = inject('adminToken');
const BIG = 'a'.repeat(100 * 1024);
const JSON_TYPE = { 'content-type': 'application/json' };
const ADMIN = { authorization: `Bearer ${adminToken}`, ...JSON_TYPE };

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: BodyInit;
}

async function sweep(cases: Case[]) {
  const failures: string[] = [];
  for (const c of cases) {
    const res = await fetch(baseUrl + c.path, { method: c.method ?? 'GET', headers: c.headers, body: c.body, redirect: 'manual' });
    const text = await res.text();
    if (res.status >= 500) failures.push(`${c.name}: HTTP ${res.status} ${text.slice(0, 200)}`);
    else if (res.status >= 400) {
      let error: unknown;
      try {
        error = (JSON.parse(text) as { error?: unknown }).error;
      } catch {
        error = undefined;
      }
      if (typeof error !== 'string') failures.push(`${c.name}: HTTP ${res.status} without a JSON error: ${text.slice(0, 200)}`);
    } else failures.push(`${c.name}: unexpectedly succeeded with HTTP ${res.status}`);
  }
  expect(failures, failures.join('\n')).toEqual([]);
}

describe('malformed registration and admin requests', () => {
  test('/register and /register/{client_id}', async () => {
    const tokenRes = await fetch(`${baseUrl}/admin/registration/tokens`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ uses: 50 }) });
    expect(tokenRes.status).toBe(201);
    const { initial_access_token, uses } = (await tokenRes.json()) as { initial_access_token: string; uses: number };
    expect(initial_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(uses).toBe(50);
    const auth = { authorization: `Bearer ${initial_access_token}`, ...JSON_TYPE };
    const body = (v: unknown) => JSON.stringify(v);
    await sweep([
      { name: 'no token', method: 'POST', path: '/register', headers: JSON_TYPE, body: body({ redirect_uris: ['https://a.example/cb'] }) },
      { name: 'bad token characters', method: 'POST', path: '/register', headers: { authorization: 'Bearer %FF"', ...JSON_TYPE }, body: '{}' },
      { name: 'oversized token', method: 'POST', path: '/register', headers: { authorization: `Bearer ${'a'.repeat(8000)}`, ...JSON_TYPE }, body: '{}' },
      { name: 'invalid JSON', method: 'POST', path: '/register', headers: auth, body: '{"redirect_uris":' },
      { name: 'JSON null', method: 'POST', path: '/register', headers: auth, body: 'null' },
      { name: 'JSON string', method: 'POST', path: '/register', headers: auth, body: '"x"' },
      { name: 'empty body', method: 'POST', path: '/register', headers: auth, body: '' },
      { name: 'form body', method: 'POST', path: '/register', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'redirect_uris=x' },
      { name: 'invalid UTF-8', method: 'POST', path: '/register', headers: auth, body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) },
      { name: 'oversized body', method: 'POST', path: '/register', headers: auth, body: body({ redirect_uris: ['https://a.example/cb'], client_name: BIG }) },
      { name: 'deeply nested', method: 'POST', path: '/register', headers: auth, body: `{"redirect_uris":${'['.repeat(5000)}${']'.repeat(5000)}}` },
      { name: 'wrong types everywhere', method: 'POST', path: '/register', headers: auth, body: body({ redirect_uris: [1, null], grant_types: 'x', response_types: {}, contacts: [{}], jwks: 'x' }) },
      { name: 'redirect URI with bad escape', method: 'POST', path: '/register', headers: auth, body: body({ redirect_uris: ['https://a.example/%FF#'] }) },
      { name: 'unreachable sector', method: 'POST', path: '/register', headers: auth, body: body({ redirect_uris: ['http://127.0.0.1:3000/cb'], subject_type: 'pairwise', sector_identifier_uri: 'http://127.0.0.1:1/x' }) },
      { name: 'GET /register', path: '/register' },
      { name: 'read unknown client', path: '/register/nope', headers: { authorization: 'Bearer x' } },
      { name: 'read bad escape id', path: '/register/%FF', headers: { authorization: 'Bearer x' } },
      { name: 'read oversized id', path: `/register/${'a'.repeat(8000)}`, headers: { authorization: 'Bearer x' } },
      { name: 'PUT unknown client', method: 'PUT', path: '/register/nope', headers: { authorization: 'Bearer x', ...JSON_TYPE }, body: '{}' },
      { name: 'PATCH client', method: 'PATCH', path: '/register/nope', headers: { authorization: 'Bearer x', ...JSON_TYPE }, body: '{}' },
    ]);
    // The token the malformed bodies carried was valid all along: a well-formed registration with it succeeds.
    const ok = await fetch(`${baseUrl}/register`, { method: 'POST', headers: auth, body: body({ redirect_uris: ['https://a.example/cb'] }) });
    expect(ok.status).toBe(201);
  });

  test('admin: registration tokens, secret rotation, claims, scopes, attributes', async () => {
    await sweep([
      { name: 'token uses wrong type', method: 'POST', path: '/admin/registration/tokens', headers: ADMIN, body: '{"uses":"many"}' },
      { name: 'token invalid JSON', method: 'POST', path: '/admin/registration/tokens', headers: ADMIN, body: '{' },
      { name: 'rotate unknown client', method: 'POST', path: '/admin/clients/nope/rotate-secret', headers: ADMIN, body: '{}' },
      { name: 'rotate with bad overlap', method: 'POST', path: '/admin/clients/nope/rotate-secret', headers: ADMIN, body: '{"overlap":-1}' },
      { name: 'claim without attribute', method: 'POST', path: '/admin/claims', headers: ADMIN, body: '{"name":"https://e.example/c"}' },
      { name: 'claim oversized name', method: 'POST', path: '/admin/claims', headers: ADMIN, body: JSON.stringify({ name: `https://e.example/${BIG}`, attribute: 'a' }) },
      { name: 'delete claim without name', method: 'DELETE', path: '/admin/claims', headers: ADMIN },
      { name: 'scope with claims not a list', method: 'POST', path: '/admin/scopes', headers: ADMIN, body: '{"name":"s","claims":{}}' },
      { name: 'scope with nested garbage', method: 'POST', path: '/admin/scopes', headers: ADMIN, body: '{"name":"s","claims":[[[]]]}' },
      { name: 'delete unknown scope', method: 'DELETE', path: '/admin/scopes/%FF', headers: ADMIN },
      { name: 'attributes for unknown user', method: 'PATCH', path: '/admin/users/nope', headers: ADMIN, body: '{"attributes":{}}' },
      { name: 'attributes not an object', method: 'PATCH', path: '/admin/users/nope', headers: ADMIN, body: '{"attributes":"x"}' },
      { name: 'client claims unknown client', method: 'PUT', path: '/admin/clients/nope/claims', headers: ADMIN, body: '{"claims":[]}' },
      { name: 'client claims garbage', method: 'PUT', path: '/admin/clients/nope/claims', headers: ADMIN, body: '{"claims":[{"name":1}]}' },
    ]);
  });
});
