// Bench-only Worker entry (never deployed): the real app plus a few reference routes under /__bench/.
// Built by bench/run.mjs with `wrangler deploy bench/entry.ts --dry-run --outdir bench/.build`.
import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import type { Bindings } from '../src/env';
import worker from '../src/index';
import { wrapBindings, type Trip } from '../src/storage/binding_proxy';

// Everything the real entry exports (Durable Object classes, ...), so the bindings in wrangler.toml resolve.
export * from '../src/index';

/**
 * Headers of the static route: the same set (and about the same size) as the app puts on /jwks
 * (src/http/cached_document.ts plus src/http/security.ts). bench/run.mjs warns when the sets differ.
 */
function staticHeaders(): Headers {
  return new Headers({
    'Content-Type': 'application/json',
    'Cache-Control': 'public, max-age=300, stale-while-revalidate=600',
    ETag: `"${'x'.repeat(27)}"`,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'ETag',
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
}

/** Constant JSON documents of an exact byte length, built once per length. */
const staticBodies = new Map<number, string>();
function staticBody(bytes: number): string {
  let body = staticBodies.get(bytes);
  if (body === undefined) {
    const skeleton = '{"keys":[{"kty":"RSA","pad":""}]}';
    body = skeleton.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, bytes - skeleton.length))}"`);
    staticBodies.set(bytes, body);
  }
  return body;
}

type Alg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
const ALGS: readonly Alg[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const BITS = [2048, 3072, 4096] as const;

/** One private key per (alg, bits), generated on first use and kept for the isolate's lifetime. */
const signingKeys = new Map<string, Promise<CryptoKey>>();
function signingKeyFor(alg: Alg, bits: number): Promise<CryptoKey> {
  const id = alg.startsWith('RS') || alg.startsWith('PS') ? `${alg}-${bits}` : alg;
  let key = signingKeys.get(id);
  if (!key) {
    const opts = alg === 'RS256' || alg === 'PS256' ? { modulusLength: bits } : alg === 'EdDSA' ? { crv: 'Ed25519' } : {};
    key = generateKeyPair(alg, opts).then((pair) => pair.privateKey);
    key.catch(() => signingKeys.delete(id));
    signingKeys.set(id, key);
  }
  return key;
}

/** Signs one ID-token-sized JWT (about ten claims). */
async function signOne(alg: Alg, bits: number, origin: string): Promise<string> {
  const key = await signingKeyFor(alg, bits);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    nonce: 'n-0S6_WzA2Mj',
    auth_time: now - 30,
    sid: '08a5019c-17e1-4977-8f42-65a12843ea02',
    amr: ['pwd'],
    email: 'alice@example.com',
    email_verified: true,
  })
    .setProtectedHeader({ alg, typ: 'JWT', kid: `bench-${alg}-${bits}` })
    .setIssuer(origin)
    .setSubject('248289761001')
    .setAudience('s6BhdRkqt3')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key);
}

/**
 * The "bare Worker that checks a secret and signs one RS256 token": the same request as the
 * real client_credentials one (POST, Basic credentials, form body), the secret checked as a salted
 * SHA-256 in constant time, an access-token-sized JWT signed with jose, the same JSON answer.
 * Nothing else: no routing, middleware, client lookup, scopes or log line.
 */
export const BARE_CLIENT = { id: 'bench-bare-client', secret: 'bench-bare-secret-0123456789abcdefghijklmnopqrstuv' };
const bareVerifier = crypto.subtle.digest('SHA-256', new TextEncoder().encode(`salt.${BARE_CLIENT.secret}`)).then((d) => new Uint8Array(d));
async function bareClientCredentials(request: Request, origin: string): Promise<Response> {
  const auth = request.headers.get('Authorization') ?? '';
  const decoded = auth.startsWith('Basic ') ? atob(auth.slice(6)) : '';
  const colon = decoded.indexOf(':');
  const form = new URLSearchParams(await request.text());
  if (form.get('grant_type') !== 'client_credentials') return Response.json({ error: 'unsupported_grant_type' }, { status: 400 });
  const presented = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`salt.${decoded.slice(colon + 1)}`)));
  if (colon === -1 || decoded.slice(0, colon) !== BARE_CLIENT.id || !crypto.subtle.timingSafeEqual(presented, await bareVerifier)) {
    return Response.json({ error: 'invalid_client' }, { status: 401 });
  }
  const key = await signingKeyFor('RS256', 2048);
  const now = Math.floor(Date.now() / 1000);
  const scope = form.get('scope') ?? '';
  const accessToken = await new SignJWT({ client_id: BARE_CLIENT.id, scope })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench-RS256-2048', typ: 'at+jwt' })
    .setIssuer(origin)
    .setSubject(BARE_CLIENT.id)
    .setAudience(origin)
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
  return Response.json({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope }, { headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } });
}

async function benchRoute(request: Request, url: URL, env: Bindings): Promise<Response> {
  switch (url.pathname) {
    case '/__bench/client-credentials':
      return bareClientCredentials(request, url.origin);
    case '/__bench/empty':
      return new Response(null, { status: 204 });
    case '/__bench/static-json': {
      const bytes = Number(url.searchParams.get('bytes') ?? '1024');
      if (!Number.isInteger(bytes) || bytes < 0 || bytes > 1 << 20) return new Response('bad bytes', { status: 400 });
      return new Response(staticBody(bytes), { status: 200, headers: staticHeaders() });
    }
    case '/__bench/static-json-log': {
      // static-json plus one log line shaped like src/observability/log.ts's: what console.log costs here
      // (under Miniflare every line crosses from workerd to the Node process that prints it).
      const bytes = Number(url.searchParams.get('bytes') ?? '1024');
      if (!Number.isInteger(bytes) || bytes < 0 || bytes > 1 << 20) return new Response('bad bytes', { status: 400 });
      const started = Date.now();
      const response = new Response(staticBody(bytes), { status: 200, headers: staticHeaders() });
      console.log(JSON.stringify({ type: 'request', request_id: crypto.randomUUID(), method: request.method, route: '/__bench/static-json-log', status: 200, duration_ms: Date.now() - started }));
      return response;
    }
    case '/__bench/sign': {
      const alg = (url.searchParams.get('alg') ?? 'RS256') as Alg;
      const bits = Number(url.searchParams.get('bits') ?? '2048');
      if (!ALGS.includes(alg) || !(BITS as readonly number[]).includes(bits)) return new Response('bad alg or bits', { status: 400 });
      // count=2 is the cost of a refresh response, which carries an access token and an ID token.
      const count = url.searchParams.get('count') === '2' ? 2 : 1;
      let jwt = await signOne(alg, bits, url.origin);
      if (count === 2) jwt += `\n${await signOne(alg, bits, url.origin)}`;
      return new Response(jwt, { status: 200, headers: { 'Content-Type': 'application/jwt' } });
    }
    // The local price of one storage operation, which workerd runs in the same process as the
    // Worker (in production D1 and Durable Objects run elsewhere and cost the Worker no CPU).
    case '/__bench/d1': {
      const row = await env.DB.prepare('SELECT id FROM clients WHERE id = ?').bind(url.searchParams.get('id') ?? 'none').first();
      return new Response(row ? 'found' : 'none', { status: 200 });
    }
    case '/__bench/do': {
      const stub = env.THROTTLE.get(env.THROTTLE.idFromName('bench'));
      // A call that reads one counter and writes nothing lasting (the throttle's release).
      await stub.release(Math.floor(Date.now() / 1000), [{ key: 'bench', policy: { kind: 'window', limit: 10, windowSeconds: 300 } }]);
      return new Response('true', { status: 200 });
    }
    default:
      return new Response(`no bench route ${request.method} ${url.pathname}`, { status: 404 });
  }
}

// Storage-trip mode (`npm run bench -- --trips`): the harness sets BENCH_TRIP_DELAY_MS; each request
// that carries `x-bench-trace: <id>` then runs against its bindings wrapped by src/storage/binding_proxy.ts,
// every round trip delayed by that many ms and recorded with its sequential depth: 1 + the largest
// depth among this request's trips that had completed when it started. GET /__bench/trace?id=<id>
// returns the record once the request and everything it left running (waitUntil) have finished.
interface TripRecord extends Trip {
  depth: number;
  /** Started after the response was returned (waitUntil work). */
  background: boolean;
}
interface Trace {
  trips: TripRecord[];
  pending: number;
  responded: boolean;
  completedDepth: number;
}
const traces = new Map<string, Trace>();

function tracedEnv(env: Bindings, trace: Trace, delayMs: number): Bindings {
  return wrapBindings(env, async (trip, call) => {
    const record: TripRecord = { ...trip, depth: trace.completedDepth + 1, background: trace.responded };
    trace.trips.push(record);
    trace.pending++;
    try {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return await call();
    } finally {
      trace.pending--;
      if (!record.background) trace.completedDepth = Math.max(trace.completedDepth, record.depth);
    }
  });
}

async function readTrace(id: string): Promise<Response> {
  const trace = traces.get(id);
  if (!trace) return new Response('no such trace', { status: 404 });
  for (let i = 0; i < 500 && (trace.pending > 0 || !trace.responded); i++) await new Promise((r) => setTimeout(r, 10));
  traces.delete(id);
  return Response.json({ trips: trace.trips, settled: trace.pending === 0 });
}

export default {
  ...worker,
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const delay = (env as unknown as { BENCH_TRIP_DELAY_MS?: string }).BENCH_TRIP_DELAY_MS;
    if (url.pathname === '/__bench/trace' && delay !== undefined) return readTrace(url.searchParams.get('id') ?? '');
    if (url.pathname.startsWith('/__bench/')) {
      if (request.method !== 'GET' && !(request.method === 'POST' && url.pathname === '/__bench/client-credentials')) return new Response(null, { status: 405, headers: { Allow: 'GET' } });
      return benchRoute(request, url, env);
    }
    const id = request.headers.get('x-bench-trace');
    if (delay !== undefined && id) {
      const trace: Trace = { trips: [], pending: 0, responded: false, completedDepth: 0 };
      traces.set(id, trace);
      try {
        return await worker.fetch!(request, tracedEnv(env, trace, Number(delay)), ctx);
      } finally {
        trace.responded = true;
      }
    }
    return worker.fetch!(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
