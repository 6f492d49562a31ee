// A sweep of malformed requests against every endpoint. Whatever a client sends, the OP must
// never answer 5xx; JSON endpoints answer errors as JSON with a string `error`; /authorize with
// an unknown client or unregistered redirect_uri shows an HTML error page and never redirects.
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI, type AdminClient } from './helpers/admin';
import { Browser } from './helpers/browser';
import { findForm } from './helpers/flow';

const baseUrl = inject('baseUrl');
const adminToken = inject('adminToken');
const admin = new Admin();

const BIG = 'a'.repeat(100 * 1024);
/** Big, but under the platform's URL limit, so that the Worker itself has to deal with it. */
const LARGE = 'a'.repeat(12 * 1024);
const BAD_UTF8 = new Uint8Array([0x67, 0x72, 0x61, 0x6e, 0x74, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x3d, 0xff, 0xfe, 0xc3]); // "grant_type=" + invalid bytes
const WRONG_METHODS = ['PUT', 'DELETE', 'PATCH'];
const FORM = 'application/x-www-form-urlencoded';

/** What the answer must look like. */
type Kind =
  | 'json' // a JSON endpoint: errors are JSON objects with a string `error`
  | 'html-error' // /authorize without a trustworthy client + redirect_uri: an HTML page, never 3xx
  | 'any'; // only "no 5xx" (and no crash)

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  kind: Kind;
  /** Extra check on the answer. */
  expect?: (res: Answer) => string | undefined;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json?: Record<string, unknown>;
}

function multipart(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  return fd;
}

async function send(c: Case): Promise<Answer> {
  const res = await fetch(baseUrl + c.path, {
    method: c.method ?? 'GET',
    headers: c.headers,
    body: c.body,
    redirect: 'manual',
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Returns the problems with one answer ([] when it is fine). */
function problems(c: Case, a: Answer): string[] {
  const out: string[] = [];
  const ct = a.headers.get('content-type') ?? '';
  // workerd (and Cloudflare's edge) refuse over-long URLs and headers before the Worker runs;
  // such an answer carries none of the Worker's security headers. That is fine.
  const fromWorker = a.headers.has('content-security-policy');
  if (!fromWorker && (a.status === 414 || a.status === 431)) return out;
  if (!fromWorker) out.push(`HTTP ${a.status} without the Worker's security headers`);
  if (a.status >= 500) out.push(`HTTP ${a.status}: ${a.text.slice(0, 300)}`);
  if (c.kind === 'json' && a.status >= 400) {
    const challenge = a.headers.get('www-authenticate');
    // RFC 6750 §3: a 401 without any credentials may carry only the challenge.
    const bareChallenge = a.status === 401 && challenge && !a.text;
    if (!bareChallenge) {
      if (!ct.includes('application/json')) out.push(`HTTP ${a.status} content-type "${ct}", want JSON: ${a.text.slice(0, 200)}`);
      else if (!a.json || typeof a.json.error !== 'string' || !a.json.error) out.push(`HTTP ${a.status} JSON without a string "error": ${a.text.slice(0, 200)}`);
      else if ('error_description' in a.json && typeof a.json.error_description !== 'string') {
        out.push(`error_description is not a string: ${a.text.slice(0, 200)}`);
      } else if (a.status === 400 && a.json.error === 'invalid_request' && typeof a.json.error_description !== 'string') {
        out.push(`invalid_request without error_description: ${a.text.slice(0, 200)}`);
      }
    }
  }
  if (c.kind === 'html-error') {
    if (a.status >= 300 && a.status < 400) out.push(`redirected (HTTP ${a.status}) to ${a.headers.get('location')}`);
    else if (a.status < 400) out.push(`HTTP ${a.status}, want an error page`);
    if (!ct.startsWith('text/html')) out.push(`content-type "${ct}", want text/html`);
  }
  const extra = c.expect?.(a);
  if (extra) out.push(extra);
  return out;
}

async function sweep(cases: Case[]) {
  const failures: string[] = [];
  for (const c of cases) {
    let a: Answer;
    try {
      a = await send(c);
    } catch (e) {
      failures.push(`${c.name}: request failed: ${e instanceof Error ? `${e.message} ${String(e.cause ?? '')}` : e}`);
      continue;
    }
    if (process.env.E2E_DEBUG) console.log(`${a.status} ${(a.headers.get('content-type') ?? '').padEnd(28)} ${c.name}  ${a.text.slice(0, 90).replace(/\s+/g, ' ')}`);
    for (const p of problems(c, a)) failures.push(`${c.name} (${c.method ?? 'GET'} ${c.path.slice(0, 80)}): ${p}`);
  }
  expect(failures, failures.join('\n')).toEqual([]);
}

/** Cases shared by every endpoint: odd query strings and wrong methods. */
function queryAndMethodCases(path: string, kind: Kind, allowed: string[]): Case[] {
  return [
    { name: `${path} invalid percent-encoding`, path: `${path}?%FF`, kind },
    { name: `${path} invalid percent-encoding in value`, path: `${path}?a=%FF%FE&b=%`, kind },
    { name: `${path} oversized query`, path: `${path}?x=${BIG}`, kind },
    { name: `${path} large query`, path: `${path}?x=${LARGE}&y=${LARGE}`, kind },
    { name: `${path} duplicated parameters`, path: `${path}?a=1&a=2&a=%FF`, kind },
    ...[...WRONG_METHODS, 'POST'].filter((m) => !allowed.includes(m)).map((method) => ({
      name: `${path} wrong method ${method}`,
      method,
      path,
      kind,
      headers: { 'content-type': FORM },
      body: method === 'DELETE' ? undefined : 'a=b',
      expect: (a: Answer) => (a.status < 400 ? `HTTP ${a.status} for ${method}, want 4xx (405)` : undefined),
    })),
  ];
}

/** Cases for a form-POST endpoint: wrong content types, empty, bad bytes, oversized, duplicates. */
function bodyCases(path: string, kind: Kind, valid: Record<string, string>, headers: Record<string, string> = {}): Case[] {
  const form = new URLSearchParams(valid).toString();
  const firstKey = Object.keys(valid)[0]!;
  return [
    { name: `${path} JSON body`, method: 'POST', path, kind, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(valid) },
    { name: `${path} multipart body`, method: 'POST', path, kind, headers, body: multipart(valid) },
    { name: `${path} text/plain body`, method: 'POST', path, kind, headers: { ...headers, 'content-type': 'text/plain' }, body: form },
    { name: `${path} no content-type`, method: 'POST', path, kind, headers, body: new Blob([form]) },
    { name: `${path} empty form body`, method: 'POST', path, kind, headers: { ...headers, 'content-type': FORM }, body: '' },
    { name: `${path} empty body, no content-type`, method: 'POST', path, kind, headers },
    { name: `${path} invalid percent-encoding`, method: 'POST', path, kind, headers: { ...headers, 'content-type': FORM }, body: `${form}&%FF=%FE&x=%` },
    { name: `${path} invalid UTF-8 bytes`, method: 'POST', path, kind, headers: { ...headers, 'content-type': FORM }, body: BAD_UTF8 },
    { name: `${path} oversized body`, method: 'POST', path, kind, headers: { ...headers, 'content-type': FORM }, body: `${form}&x=${BIG}` },
    { name: `${path} oversized value`, method: 'POST', path, kind, headers: { ...headers, 'content-type': FORM }, body: `${firstKey}=${BIG}` },
    {
      name: `${path} duplicated parameters`,
      method: 'POST',
      path,
      kind,
      headers: { ...headers, 'content-type': FORM },
      body: `${form}&${firstKey}=${encodeURIComponent(valid[firstKey]!)}`,
      expect: (a) => (a.status >= 200 && a.status < 300 ? `HTTP ${a.status} for duplicated ${firstKey}` : undefined),
    },
    { name: `${path} form content-type with charset`, method: 'POST', path, kind, headers: { ...headers, 'content-type': `${FORM}; charset=iso-8859-1` }, body: form },
    { name: `${path} bogus content-type`, method: 'POST', path, kind, headers: { ...headers, 'content-type': ';;;=' }, body: form },
  ];
}

function basic(id: string, secret: string) {
  return `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;
}

describe('malformed requests never cause a 5xx', () => {
  let confidential: AdminClient;

  beforeAll(async () => {
    confidential = await admin.createClient();
  });

  test('unknown paths', async () => {
    await sweep([
      { name: 'unknown path', path: '/nope', kind: 'any', expect: (a) => (a.status === 404 ? undefined : `HTTP ${a.status}, want 404`) },
      { name: 'bad escape in path', path: '/%FF', kind: 'any' },
      { name: 'encoded traversal', path: '/..%2f..%2fetc%2fpasswd', kind: 'any' },
      { name: 'long path', path: `/${BIG}`, kind: 'any' },
      { name: 'interaction-like bad escape', path: '/interaction/%FF/%', kind: 'any' },
    ]);
  });

  test('discovery and jwks', async () => {
    await sweep([
      ...queryAndMethodCases('/.well-known/openid-configuration', 'json', []),
      ...queryAndMethodCases('/jwks', 'json', []),
    ]);
  });

  test('authorize: bad client_id or redirect_uri answers an HTML page, never a redirect', async () => {
    const id = confidential.client_id;
    const good = `response_type=code&scope=openid&state=s&nonce=n`;
    const html = 'html-error' as const;
    const q = (s: string) => `/authorize?${s}`;
    await sweep([
      { name: 'no parameters', path: '/authorize', kind: html },
      { name: 'only a bad escape', path: q('%FF'), kind: html },
      { name: 'unknown client', path: q(`client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: html },
      { name: 'client_id bad escape', path: q(`client_id=%FF&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: html },
      { name: 'client_id oversized', path: q(`client_id=${BIG}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: html },
      { name: 'client_id large', path: q(`client_id=${LARGE}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: html },
      { name: 'client_id duplicated', path: q(`client_id=${id}&client_id=${id}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: html },
      { name: 'client_id missing', path: q(`redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: html },
      { name: 'unregistered redirect_uri', path: q(`client_id=${id}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&${good}`), kind: html },
      { name: 'redirect_uri prefix of registered', path: q(`client_id=${id}&redirect_uri=${encodeURIComponent(`${REDIRECT_URI}/x`)}&${good}`), kind: html },
      { name: 'redirect_uri bad escape', path: q(`client_id=${id}&redirect_uri=%FF&${good}`), kind: html },
      { name: 'redirect_uri duplicated', path: q(`client_id=${id}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: html },
      { name: 'redirect_uri oversized', path: q(`client_id=${id}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}${BIG}&${good}`), kind: html },
      { name: 'redirect_uri large', path: q(`client_id=${id}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}${LARGE}&${good}`), kind: html },
      { name: 'redirect_uri not a URL', path: q(`client_id=${id}&redirect_uri=not%20a%20url&${good}`), kind: html },
      {
        name: 'POST unknown client',
        method: 'POST',
        path: '/authorize',
        headers: { 'content-type': FORM },
        body: `client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`,
        kind: html,
      },
      { name: 'POST JSON body', method: 'POST', path: '/authorize', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: id, redirect_uri: REDIRECT_URI }), kind: html },
      { name: 'POST multipart', method: 'POST', path: '/authorize', body: multipart({ client_id: id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid' }), kind: 'any' },
      { name: 'POST empty', method: 'POST', path: '/authorize', headers: { 'content-type': FORM }, body: '', kind: html },
      { name: 'POST invalid UTF-8', method: 'POST', path: '/authorize', headers: { 'content-type': FORM }, body: BAD_UTF8, kind: html },
      { name: 'POST oversized', method: 'POST', path: '/authorize', headers: { 'content-type': FORM }, body: `client_id=${BIG}`, kind: html },
      ...WRONG_METHODS.map((method): Case => ({ name: `wrong method ${method}`, method, path: q(`client_id=${id}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&${good}`), kind: 'any', expect: (a) => (a.status >= 300 && a.status < 400 ? `redirected on ${method}` : a.status < 400 ? `HTTP ${a.status}` : undefined) })),
    ]);
  });

  test('authorize: with a valid client and redirect_uri, errors go back to the client', async () => {
    const id = confidential.client_id;
    const ru = encodeURIComponent(REDIRECT_URI);
    const toClient = (a: Answer) => {
      if (a.status >= 300 && a.status < 400) {
        const loc = new URL(a.headers.get('location') ?? '', baseUrl);
        if (loc.origin + loc.pathname === REDIRECT_URI) {
          const err = loc.searchParams.get('error');
          return err ? undefined : `redirected to the client without an error: ${loc}`;
        }
        if (loc.origin === baseUrl && loc.pathname.startsWith('/interaction/')) return 'a malformed request started an interaction';
        return `redirected to ${loc}`;
      }
      return a.status >= 400 ? undefined : `HTTP ${a.status}`;
    };
    const q = (s: string) => `/authorize?client_id=${id}&redirect_uri=${ru}&${s}`;
    await sweep([
      { name: 'missing response_type', path: q('scope=openid&state=s'), kind: 'any', expect: toClient },
      { name: 'unsupported response_type', path: q('response_type=bogus&scope=openid&state=s'), kind: 'any', expect: toClient },
      { name: 'no known scope', path: q('response_type=code&scope=bogus&state=s'), kind: 'any', expect: toClient },
      { name: 'duplicated scope', path: q('response_type=code&scope=openid&scope=openid&state=s'), kind: 'any', expect: toClient },
      { name: 'duplicated state', path: q('response_type=code&scope=openid&state=s&state=t'), kind: 'any', expect: toClient },
      { name: 'bad escape in scope', path: q('response_type=code&scope=%FF&state=s'), kind: 'any', expect: toClient },
      { name: 'plain PKCE', path: q('response_type=code&scope=openid&state=s&code_challenge=abc&code_challenge_method=plain'), kind: 'any', expect: toClient },
      { name: 'oversized state', path: q(`response_type=code&scope=openid&state=${BIG}`), kind: 'any' },
      { name: 'large state', path: q(`response_type=code&scope=openid&state=${LARGE}`), kind: 'any', expect: toClient },
      { name: 'oversized nonce', path: q(`response_type=code&scope=openid&state=s&nonce=${BIG}`), kind: 'any' },
      { name: 'request object (unsupported)', path: q('response_type=code&scope=openid&state=s&request=eyJhbGciOiJub25lIn0.e30.'), kind: 'any', expect: toClient },
      { name: 'prompt=none without a session', path: q('response_type=code&scope=openid&state=s&prompt=none'), kind: 'any', expect: toClient },
    ]);
  });

  test('token', async () => {
    const auth = { authorization: basic(confidential.client_id, confidential.client_secret!) };
    const valid = { grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: REDIRECT_URI };
    const errorIs = (...errors: string[]) => (a: Answer) =>
      a.json && errors.includes(String(a.json.error)) ? undefined : `want error ${errors.join('|')}, got HTTP ${a.status} ${a.text.slice(0, 200)}`;
    await sweep([
      ...queryAndMethodCases('/token', 'json', ['POST']).filter((c) => c.method),
      { name: 'GET /token', path: '/token?grant_type=authorization_code', kind: 'json', expect: (a) => (a.status >= 400 ? undefined : `HTTP ${a.status}`) },
      ...bodyCases('/token', 'json', valid, auth),
      { name: 'unknown code', method: 'POST', path: '/token', headers: { ...auth, 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_grant') },
      { name: 'unsupported grant_type', method: 'POST', path: '/token', headers: { ...auth, 'content-type': FORM }, body: 'grant_type=password&username=a&password=b', kind: 'json', expect: errorIs('unsupported_grant_type', 'invalid_request', 'unauthorized_client') },
      { name: 'no client authentication', method: 'POST', path: '/token', headers: { 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client', 'invalid_request') },
      { name: 'wrong secret', method: 'POST', path: '/token', headers: { authorization: basic(confidential.client_id, 'wrong'), 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client') },
      { name: 'Basic not base64', method: 'POST', path: '/token', headers: { authorization: 'Basic %%%***', 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client', 'invalid_request') },
      { name: 'Basic without colon', method: 'POST', path: '/token', headers: { authorization: `Basic ${btoa('abc')}`, 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client', 'invalid_request') },
      { name: 'Basic with bad escapes', method: 'POST', path: '/token', headers: { authorization: `Basic ${btoa('%FF:%')}`, 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client', 'invalid_request') },
      { name: 'Basic with non-UTF-8 bytes', method: 'POST', path: '/token', headers: { authorization: `Basic ${btoa('\xff\xfe:\xff')}`, 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client', 'invalid_request') },
      { name: 'Basic empty', method: 'POST', path: '/token', headers: { authorization: 'Basic ', 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client', 'invalid_request') },
      { name: 'Basic oversized', method: 'POST', path: '/token', headers: { authorization: `Basic ${btoa(`${'a'.repeat(6000)}:b`)}`, 'content-type': FORM }, body: new URLSearchParams(valid).toString(), kind: 'json', expect: errorIs('invalid_client', 'invalid_request') },
      {
        name: 'two authentication methods',
        method: 'POST',
        path: '/token',
        headers: { ...auth, 'content-type': FORM },
        body: new URLSearchParams({ ...valid, client_id: confidential.client_id, client_secret: confidential.client_secret! }).toString(),
        kind: 'json',
        expect: errorIs('invalid_request', 'invalid_client'),
      },
      {
        name: 'duplicated client_secret (post)',
        method: 'POST',
        path: '/token',
        headers: { 'content-type': FORM },
        body: `${new URLSearchParams({ ...valid, client_id: confidential.client_id, client_secret: 'x' })}&client_secret=y`,
        kind: 'json',
        expect: errorIs('invalid_request', 'invalid_client'),
      },
      { name: 'missing grant_type', method: 'POST', path: '/token', headers: { ...auth, 'content-type': FORM }, body: 'code=abc', kind: 'json', expect: errorIs('invalid_request', 'unsupported_grant_type') },
      { name: 'code with bad escape', method: 'POST', path: '/token', headers: { ...auth, 'content-type': FORM }, body: `grant_type=authorization_code&code=%FF&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, kind: 'json' },
    ]);
  });

  test('userinfo', async () => {
    const bearerIs = (...statuses: number[]) => (a: Answer) => (statuses.includes(a.status) ? undefined : `HTTP ${a.status}, want ${statuses.join('|')}`);
    await sweep([
      ...queryAndMethodCases('/userinfo', 'json', ['POST']),
      { name: 'no token', path: '/userinfo', kind: 'json', expect: (a) => (a.status === 401 && a.headers.get('www-authenticate')?.startsWith('Bearer') ? undefined : `HTTP ${a.status} / WWW-Authenticate ${a.headers.get('www-authenticate')}`) },
      { name: 'garbage token', path: '/userinfo', headers: { authorization: 'Bearer garbage' }, kind: 'json', expect: bearerIs(401) },
      { name: 'a JWT-looking forgery', path: '/userinfo', headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }, kind: 'json', expect: bearerIs(401) },
      { name: 'empty Bearer', path: '/userinfo', headers: { authorization: 'Bearer ' }, kind: 'json', expect: bearerIs(400, 401) },
      { name: 'Bearer with bad characters', path: '/userinfo', headers: { authorization: 'Bearer %FF"\\' }, kind: 'json', expect: bearerIs(400, 401) },
      { name: 'Bearer oversized', path: '/userinfo', headers: { authorization: `Bearer ${'a'.repeat(8000)}` }, kind: 'json', expect: bearerIs(400, 401) },
      { name: 'Basic scheme', path: '/userinfo', headers: { authorization: basic('a', 'b') }, kind: 'json', expect: bearerIs(400, 401) },
      { name: 'token in the query', path: '/userinfo?access_token=garbage', kind: 'json', expect: bearerIs(400, 401) },
      ...bodyCases('/userinfo', 'json', { access_token: 'garbage' }),
      {
        name: 'token in header and body',
        method: 'POST',
        path: '/userinfo',
        headers: { authorization: 'Bearer garbage', 'content-type': FORM },
        body: 'access_token=garbage',
        kind: 'json',
        expect: bearerIs(400, 401),
      },
    ]);
  });

  test('interaction pages', async () => {
    // A real interaction, to also send malformed requests to a valid id with its cookie.
    const browser = new Browser([baseUrl]);
    const c = await admin.createClient();
    const authUrl = new URL(`${baseUrl}/authorize`);
    authUrl.search = new URLSearchParams({ client_id: c.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', state: 's', nonce: 'n' }).toString();
    const { page } = await browser.navigate(authUrl);
    expect(page).toBeDefined();
    const login = findForm(page!, 'login');
    expect(login).toBeDefined();
    const base = page!.url.pathname; // /interaction/{id}
    const cookie = browser.jar.header(page!.url) ?? '';
    expect(cookie).toContain(`op_interaction_${base.split('/').pop()}=`);
    const csrf = login!.fields.find(([k]) => k === 'csrf')![1];
    const withCookie = { cookie, origin: baseUrl };

    const html = 'any' as const;
    const noSuccess = (a: Answer) => (a.status >= 300 && a.status < 400 && new URL(a.headers.get('location') ?? '', baseUrl).origin !== baseUrl ? `malformed input completed the flow: ${a.headers.get('location')}` : undefined);
    const cases: Case[] = [
      { name: 'unknown interaction', path: '/interaction/does-not-exist', kind: html, expect: (a) => (a.status >= 400 ? undefined : `HTTP ${a.status}`) },
      { name: 'interaction bad escape', path: '/interaction/%FF', kind: html },
      { name: 'interaction oversized id', path: `/interaction/${'a'.repeat(8000)}`, kind: html },
      { name: 'interaction with a query', path: `${base}?%FF&x=${BIG}`, kind: html, headers: withCookie },
      { name: 'real interaction without its cookie', path: base, kind: html },
      ...WRONG_METHODS.map((method): Case => ({ name: `interaction ${method}`, method, path: base, headers: withCookie, kind: html, expect: (a) => (a.status >= 400 ? undefined : `HTTP ${a.status}`) })),
      ...WRONG_METHODS.map((method): Case => ({ name: `login ${method}`, method, path: `${base}/login`, headers: withCookie, kind: html, expect: (a) => (a.status >= 400 ? undefined : `HTTP ${a.status}`) })),
      { name: 'GET login', path: `${base}/login`, headers: withCookie, kind: html },
      { name: 'unknown interaction login', method: 'POST', path: '/interaction/does-not-exist/login', headers: { 'content-type': FORM }, body: 'username=a&password=b&csrf=c', kind: html, expect: noSuccess },
      { name: 'consent before login', method: 'POST', path: `${base}/consent`, headers: { ...withCookie, 'content-type': FORM }, body: `csrf=${encodeURIComponent(csrf)}&decision=allow`, kind: html, expect: noSuccess },
      { name: 'login without csrf', method: 'POST', path: `${base}/login`, headers: { ...withCookie, 'content-type': FORM }, body: 'username=nobody&password=x', kind: html, expect: noSuccess },
      { name: 'login with wrong csrf', method: 'POST', path: `${base}/login`, headers: { ...withCookie, 'content-type': FORM }, body: 'username=nobody&password=x&csrf=wrong', kind: html, expect: noSuccess },
      ...bodyCases(`${base}/login`, html, { csrf, username: 'nobody-such-user', password: 'x' }, withCookie).map((k) => ({ ...k, expect: noSuccess })),
      ...bodyCases(`${base}/consent`, html, { csrf, decision: 'allow' }, withCookie).map((k) => ({ ...k, expect: noSuccess })),
    ];
    await sweep(cases);
    // After all that, the interaction still works for the real user (nothing was corrupted).
    const user = await admin.createUser();
    const fresh = await browser.navigate(page!.url);
    expect(fresh.page).toBeDefined();
    const form = findForm(fresh.page!, 'login');
    expect(form).toBeDefined();
    const next = await browser.submit(fresh.page!, form!, { username: user.username, password: user.password });
    expect(next.page && findForm(next.page, 'consent')).toBeTruthy();
  });

  test('sign-up and account chooser forms', async () => {
    const browser = new Browser([baseUrl]);
    const c = await admin.createClient();
    const authUrl = new URL(`${baseUrl}/authorize`);
    authUrl.search = new URLSearchParams({ client_id: c.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', state: 's', nonce: 'n', prompt: 'create' }).toString();
    const { page } = await browser.navigate(authUrl);
    const base = page!.url.pathname;
    const cookie = browser.jar.header(page!.url) ?? '';
    const csrf = page!.forms[0]!.fields.find(([k]) => k === 'csrf')![1];
    const withCookie = { cookie, origin: baseUrl };
    const noSuccess = (a: Answer) => (a.status >= 300 && a.status < 400 && new URL(a.headers.get('location') ?? '', baseUrl).origin !== baseUrl ? `malformed input completed the flow: ${a.headers.get('location')}` : undefined);
    await sweep([
      ...bodyCases(`${base}/signup`, 'any', { csrf, username: 'x', email: 'not-an-email', password: 'p', password_confirm: 'q' }, withCookie).map((k) => ({ ...k, expect: noSuccess })),
      ...bodyCases(`${base}/select`, 'any', { csrf, account: 'nope' }, withCookie).map((k) => ({ ...k, expect: noSuccess })),
      { name: 'signup with oversized names', method: 'POST', path: `${base}/signup`, headers: { ...withCookie, 'content-type': FORM }, body: new URLSearchParams({ csrf, username: LARGE.slice(0, 4000), email: `${LARGE.slice(0, 4000)}@x.y`, given_name: LARGE.slice(0, 4000), family_name: 'x', password: LARGE.slice(0, 4000), password_confirm: LARGE.slice(0, 4000) }).toString(), kind: 'any', expect: noSuccess },
      { name: 'select an unknown sid', method: 'POST', path: `${base}/select`, headers: { ...withCookie, 'content-type': FORM }, body: `csrf=${encodeURIComponent(csrf)}&account=${'z'.repeat(3000)}`, kind: 'any', expect: noSuccess },
    ]);
  });

  test('logout and account pages', async () => {
    // Never to a client; a cookie-less POST /logout goes on to GET /logout (the same request).
    const notRedirected = (a: Answer) => (a.status >= 300 && a.status < 400 && !(a.headers.get('location') ?? '').startsWith('/logout?') ? `redirected to ${a.headers.get('location')}` : undefined);
    const page = (a: Answer) => (a.headers.get('content-type')?.startsWith('text/html') || a.status === 405 ? undefined : `content-type ${a.headers.get('content-type')}`);
    const hints = ['a.b.c', '..', 'x', `${btoa('{"alg":"none"}')}.${btoa('{"sub":"x"}')}.`, `${btoa('{"alg":"RS256","kid":"nope"}')}.e30.AAAA`, `${btoa('[]')}.${btoa('[]')}.x`, LARGE];
    await sweep([
      ...queryAndMethodCases('/logout', 'any', ['GET', 'POST']).map((k) => ({ ...k, expect: page })),
      ...bodyCases('/logout', 'any', { id_token_hint: 'a.b.c', post_logout_redirect_uri: REDIRECT_URI }).map((k) => ({ ...k, expect: notRedirected })),
      ...hints.map((h): Case => ({ name: `logout hint ${h.slice(0, 20)}`, path: `/logout?${new URLSearchParams({ id_token_hint: h, post_logout_redirect_uri: REDIRECT_URI, state: 's' })}`, kind: 'any', expect: notRedirected })),
      { name: 'logout with an unregistered URI and a client', path: `/logout?client_id=${confidential.client_id}&post_logout_redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, kind: 'any', expect: notRedirected },
      { name: 'logout with an unknown client', path: '/logout?client_id=%00%01&post_logout_redirect_uri=x', kind: 'any', expect: notRedirected },
      ...queryAndMethodCases('/logout/confirm', 'any', ['POST']),
      ...bodyCases('/logout/confirm', 'any', { csrf: 'x', decision: 'logout', post_logout_redirect_uri: REDIRECT_URI }).map((k) => ({ ...k, expect: notRedirected })),
      ...queryAndMethodCases('/account', 'any', ['GET']),
      ...bodyCases('/account/revoke', 'any', { csrf: 'x', client_id: confidential.client_id }),
      ...bodyCases('/account/logout-all', 'any', { csrf: 'x' }),
      { name: 'account unknown action', path: '/account/nope', kind: 'any', expect: (a) => (a.status >= 400 ? undefined : `HTTP ${a.status}`) },
    ]);
  });

  test('admin API', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const status = (...s: number[]) => (a: Answer) => (s.includes(a.status) ? undefined : `HTTP ${a.status}, want ${s.join('|')}: ${a.text.slice(0, 200)}`);
    const validClient = { client_name: 'x', redirect_uris: [REDIRECT_URI] };
    await sweep([
      { name: 'no token', path: '/admin/clients', kind: 'json', expect: status(401) },
      { name: 'wrong token', path: '/admin/clients', headers: { authorization: 'Bearer wrong' }, kind: 'json', expect: status(401) },
      { name: 'token with bad characters', path: '/admin/clients', headers: { authorization: 'Bearer %FF"' }, kind: 'json', expect: status(401) },
      { name: 'Basic scheme', path: '/admin/users', headers: { authorization: basic('admin', adminToken) }, kind: 'json', expect: status(401) },
      { name: 'oversized token', path: '/admin/users', headers: { authorization: `Bearer ${'a'.repeat(8000)}` }, kind: 'json', expect: status(401) },
      { name: 'no token, POST', method: 'POST', path: '/admin/clients', headers: { 'content-type': 'application/json' }, body: JSON.stringify(validClient), kind: 'json', expect: status(401) },
      { name: 'list with odd query', path: '/admin/clients?%FF&a=1&a=2', headers: auth, kind: 'json' },
      { name: 'get bad escape id', path: '/admin/clients/%FF', headers: auth, kind: 'json', expect: status(400, 404) },
      { name: 'get oversized id', path: `/admin/users/${'a'.repeat(8000)}`, headers: auth, kind: 'json', expect: status(400, 404) },
      { name: 'delete unknown client', method: 'DELETE', path: '/admin/clients/nope', headers: auth, kind: 'json', expect: status(404) },
      { name: 'delete unknown user', method: 'DELETE', path: '/admin/users/nope', headers: auth, kind: 'json', expect: status(404) },
      ...['PUT', 'PATCH', 'DELETE'].map((method): Case => ({ name: `${method} collection`, method, path: '/admin/clients', headers: json, body: method === 'DELETE' ? undefined : '{}', kind: 'json', expect: (a) => (a.status >= 400 ? undefined : `HTTP ${a.status}`) })),
      { name: 'invalid JSON', method: 'POST', path: '/admin/clients', headers: json, body: '{"client_name":', kind: 'json', expect: status(400) },
      { name: 'JSON array', method: 'POST', path: '/admin/clients', headers: json, body: '[]', kind: 'json', expect: status(400) },
      { name: 'JSON null', method: 'POST', path: '/admin/users', headers: json, body: 'null', kind: 'json', expect: status(400) },
      { name: 'empty body', method: 'POST', path: '/admin/clients', headers: json, body: '', kind: 'json', expect: status(400) },
      { name: 'form body', method: 'POST', path: '/admin/clients', headers: { ...auth, 'content-type': FORM }, body: 'client_name=x&redirect_uris=y', kind: 'json', expect: status(400, 415) },
      { name: 'multipart body', method: 'POST', path: '/admin/users', headers: auth, body: multipart({ username: 'x', password: 'y' }), kind: 'json', expect: status(400, 415) },
      { name: 'invalid UTF-8', method: 'POST', path: '/admin/users', headers: json, body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), kind: 'json', expect: status(400) },
      { name: 'oversized body', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ ...validClient, client_name: BIG }), kind: 'json', expect: status(400, 413) },
      { name: 'redirect_uris not an array', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ client_name: 'x', redirect_uris: REDIRECT_URI }), kind: 'json', expect: status(400) },
      { name: 'redirect_uris empty', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ client_name: 'x', redirect_uris: [] }), kind: 'json', expect: status(400) },
      { name: 'redirect_uri not a URL', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ client_name: 'x', redirect_uris: ['not a url'] }), kind: 'json', expect: status(400) },
      { name: 'redirect_uri with fragment', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ client_name: 'x', redirect_uris: ['https://a.example/cb#frag'] }), kind: 'json', expect: status(400) },
      { name: 'unknown auth method', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ ...validClient, token_endpoint_auth_method: 'private_key_jwt_x' }), kind: 'json', expect: status(400) },
      { name: 'first_party not boolean', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ ...validClient, first_party: 'yes' }), kind: 'json', expect: status(400) },
      { name: 'client_name wrong type', method: 'POST', path: '/admin/clients', headers: json, body: JSON.stringify({ ...validClient, client_name: 42 }), kind: 'json', expect: status(400) },
      { name: 'user without password', method: 'POST', path: '/admin/users', headers: json, body: JSON.stringify({ username: 'x' }), kind: 'json', expect: status(400) },
      { name: 'user with wrong types', method: 'POST', path: '/admin/users', headers: json, body: JSON.stringify({ username: ['x'], password: 1 }), kind: 'json', expect: status(400) },
      { name: 'user with oversized password', method: 'POST', path: '/admin/users', headers: json, body: JSON.stringify({ username: `big-${crypto.randomUUID()}`, password: BIG }), kind: 'json', expect: status(400, 413) },
      { name: 'user with a deeply nested claim', method: 'POST', path: '/admin/users', headers: json, body: `{"username":"deep-${crypto.randomUUID()}","password":"pw-long-enough-1","address":${'['.repeat(5000)}${']'.repeat(5000)}}`, kind: 'json' },
      { name: 'user with duplicate keys', method: 'POST', path: '/admin/users', headers: json, body: '{"username":"a","username":"b","password":"x"}', kind: 'json' },
      { name: 'PATCH client with array', method: 'PATCH', path: `/admin/clients/${confidential.client_id}`, headers: json, body: '[]', kind: 'json', expect: status(400) },
      { name: 'PATCH client with null', method: 'PATCH', path: `/admin/clients/${confidential.client_id}`, headers: json, body: 'null', kind: 'json', expect: status(400) },
      { name: 'PATCH client with bad URIs', method: 'PATCH', path: `/admin/clients/${confidential.client_id}`, headers: json, body: JSON.stringify({ post_logout_redirect_uris: [42], backchannel_logout_uri: 'javascript:alert(1)' }), kind: 'json', expect: status(400) },
      { name: 'PATCH unknown client', method: 'PATCH', path: '/admin/clients/%FF', headers: json, body: '{}', kind: 'json', expect: status(400, 404) },
      { name: 'logout deliveries odd query', path: '/admin/logout-deliveries?limit=-1&status=%FF', headers: auth, kind: 'json', expect: status(400) },
    ]);
  });
});
