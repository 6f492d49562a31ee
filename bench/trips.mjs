// `npm run bench -- --trips [--delay MS] [--no-build] [--json] [--strict]`: the storage-trip mode.
//
// Starts the built bench Worker (bench/entry.ts) in Miniflare with its REAL bindings, wrapped by
// src/storage/binding_proxy.ts: every D1 statement or batch, KV call and Durable Object call is one round
// trip, delayed by --delay ms (default 25) so that what runs one after another shows as depth.
// Then drives a scripted first sign-in and each token endpoint, and prints per request: D1 primary
// reads and writes (a batch is one trip, a write if any statement writes), D1 replica reads
// (`withSession`), KV and Durable Object calls, work left to waitUntil, the sequential depth and
// the depth on the primary; then the targets of issue 10 with PASS/MISS.
import { build, BUILD_DIR, log, makeClient, startWorker, commit } from './harness.mjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Issue 10's targets: [label, requests (summed), max sequential trips, max primary trips]. */
export const TRIP_TARGETS = [
  ['first sign-in, authorize → token, with consent', (r) => r.filter((x) => x.flow === 'first sign-in'), 10, 6],
  ['SSO authorize (session exists, consent remembered)', (r) => r.filter((x) => x.flow === 'sso'), 2, 1],
  ['token: client_credentials, warm isolate', (r) => r.filter((x) => x.name === 'token client_credentials (warm)'), 0, 0],
  ['token: refresh_token', (r) => r.filter((x) => x.name === 'token refresh_token'), 1, 1],
  ['token: authorization_code', (r) => r.filter((x) => x.name === 'token authorization_code'), 2, 1],
  ['userinfo', (r) => r.filter((x) => x.name === 'userinfo'), 1, 0],
  ['introspection', (r) => r.filter((x) => x.name === 'introspection'), 1, 0],
  ['revocation', (r) => r.filter((x) => x.name === 'revocation'), 1, 1],
  ['RP-initiated logout', (r) => r.filter((x) => x.flow === 'logout'), 3, 3],
  ['discovery', (r) => r.filter((x) => x.name === 'discovery'), 0, 0],
  ['JWKS', (r) => r.filter((x) => x.name === 'jwks'), 0, 0],
];

function parseArgs(argv) {
  const opts = { delay: 25, build: true, json: false, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    switch (flag) {
      case '--delay': opts.delay = Number(inline ?? argv[++i]); if (!Number.isInteger(opts.delay) || opts.delay < 0) throw new Error('--delay needs an integer ≥ 0'); break;
      case '--no-build': opts.build = false; break;
      case '--json': opts.json = true; break;
      case '--strict': opts.strict = true; break;
      default: throw new Error(`unknown argument ${argv[i]} (trip mode: --delay MS, --no-build, --json, --strict)`);
    }
  }
  return opts;
}

/** Sums the trips of one request. `depth` is the sequential depth; `primaryDepth` counts only D1-primary trips on that path. */
export function summarise(trips) {
  const fg = trips.filter((t) => !t.background);
  const count = (pred) => fg.filter(pred).length;
  const primary = (t) => t.kind === 'd1' || t.kind === 'd1-batch';
  // Depth on the primary: the longest chain of depth levels that contain at least one primary trip.
  const primaryLevels = new Set(fg.filter(primary).map((t) => t.depth));
  return {
    primaryReads: count((t) => primary(t) && !t.write),
    primaryWrites: count((t) => primary(t) && t.write),
    replicaReads: count((t) => t.kind === 'd1-replica'),
    kv: count((t) => t.kind === 'kv'),
    durableObjects: count((t) => t.kind === 'do'),
    background: trips.length - fg.length,
    depth: fg.reduce((m, t) => Math.max(m, t.depth), 0),
    primaryDepth: primaryLevels.size,
  };
}

/** A cookie jar over the harness's HTTP client; every request is traced. */
function makeBrowser(client) {
  const jar = new Map();
  return {
    jar,
    async send(req) {
      const headers = { ...(req.headers ?? {}) };
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      if (cookie) headers.cookie = cookie;
      const res = await client.send({ ...req, headers });
      const set = res.headers['set-cookie'];
      for (const line of Array.isArray(set) ? set : set ? [set] : []) {
        const [pair, ...attrs] = line.split(';');
        const name = pair.slice(0, pair.indexOf('=')).trim();
        const value = pair.slice(pair.indexOf('=') + 1);
        if (value === '' || attrs.some((a) => a.trim().toLowerCase() === 'max-age=0')) jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    },
  };
}

const form = (o) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const csrfOf = (html) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];
const pathOf = (location, origin) => (location.startsWith(origin) ? location.slice(origin.length) : location);

export async function main(argv) {
  const opts = parseArgs(argv);
  let script = join(BUILD_DIR, 'entry.js');
  if (opts.build || !existsSync(script)) {
    log('building bench/entry.ts with wrangler deploy --dry-run');
    script = build();
  }
  log(`starting workerd (Miniflare), every storage round trip delayed ${opts.delay} ms`);
  const worker = await startWorker(script, { BENCH_TRIP_DELAY_MS: String(opts.delay), REGISTRATION: 'token' });
  const { mf, origin } = worker;
  const client = await makeClient(origin, 4);
  const results = [];
  try {
    const admin = async (method, path, body) => {
      const res = await client.send({
        method, path,
        headers: { authorization: `Bearer ${worker.secrets.ADMIN_TOKEN}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = res.body.toString('utf8');
      if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : null;
    };
    let seq = 0;
    /** Sends one traced request, records its trips under `name`, returns the response. */
    const traced = async (browser, flow, name, req) => {
      const id = `t${++seq}-${randomBytes(4).toString('hex')}`;
      const t0 = performance.now();
      const res = await browser.send({ method: 'GET', ...req, headers: { ...(req.headers ?? {}), 'x-bench-trace': id } });
      const ms = performance.now() - t0;
      const trace = JSON.parse((await client.send({ method: 'GET', path: `/__bench/trace?id=${id}` })).body.toString('utf8'));
      results.push({ flow, name, method: req.method ?? 'GET', path: req.path.split('?')[0], status: res.status, ms, ...summarise(trace.trips), trips: trace.trips });
      return res;
    };

    const PLRU = 'https://bench.invalid/logged-out';
    const mkClient = (name) => admin('POST', '/admin/clients', {
      client_name: name, redirect_uris: ['https://bench.invalid/cb'], post_logout_redirect_uris: [PLRU],
      grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic',
    });
    const appA = await mkClient('bench app A');
    const appB = await mkClient('bench app B');
    const machine = await admin('POST', '/admin/clients', { client_name: 'bench machine', grant_types: ['client_credentials'], scope: 'api:read', token_endpoint_auth_method: 'client_secret_basic' });
    const username = `trips${Date.now()}`;
    const password = 'bench password 1';
    await admin('POST', '/admin/users', { username, password, email: `${username}@example.com` });
    const basic = (c) => 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
    const authorizeQuery = (c, extra = {}) => `/authorize?${form({ client_id: c.client_id, redirect_uri: c.redirect_uris[0], response_type: 'code', scope: 'openid profile email offline_access', state: 's1', nonce: 'n1', prompt: 'consent', ...extra })}`;

    /** Runs GET /authorize through sign-in and consent pages; returns the code. Names every request. */
    async function signIn(browser, flow, c, extra) {
      let res = await traced(browser, flow, 'GET /authorize (no session)', { path: authorizeQuery(c, extra) });
      for (let hop = 0; hop < 8; hop++) {
        if (res.status !== 302 && res.status !== 303) throw new Error(`expected a redirect, got ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
        const location = pathOf(res.headers.location, origin);
        if (!location.startsWith('/')) return new URL(location).searchParams.get('code');
        if (location.startsWith('/authorize')) { res = await traced(browser, flow, 'GET /authorize (continue)', { path: location }); continue; }
        const page = await traced(browser, flow, 'page', { path: location });
        const html = page.body.toString('utf8');
        if (page.status !== 200) throw new Error(`${location}: ${page.status} ${html.slice(0, 300)}`);
        const base = location.split('?')[0].replace(/\/login$/, '');
        if (/name="password"/.test(html)) {
          results.at(-1).name = 'sign-in page';
          res = await traced(browser, flow, 'POST sign-in', { method: 'POST', path: `${base}/login`, headers: FORM, body: form({ csrf: csrfOf(html), username, password }) });
        } else if (/name="decision"/.test(html)) {
          results.at(-1).name = 'consent page';
          res = await traced(browser, flow, 'POST consent', { method: 'POST', path: `${base}/consent`, headers: FORM, body: form({ csrf: csrfOf(html), decision: 'allow' }) });
        } else throw new Error(`unexpected page at ${location}: ${html.slice(0, 300)}`);
      }
      throw new Error('authorization did not finish');
    }
    const redeem = async (browser, flow, c, code) => {
      const res = await traced(browser, flow, 'token authorization_code', { method: 'POST', path: '/token', headers: { ...FORM, authorization: basic(c) }, body: form({ grant_type: 'authorization_code', code, redirect_uri: c.redirect_uris[0] }) });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${res.body.toString('utf8')}`);
      return JSON.parse(res.body.toString('utf8'));
    };

    // Untraced set-up: the user consented to app B once before, in another browser.
    const earlier = makeBrowser(client);
    const untraced = [];
    const keep = results.length;
    await redeem(earlier, 'setup', appB, await signIn(earlier, 'setup', appB));
    untraced.push(...results.splice(keep));

    // A first sign-in to app A, in a new browser.
    const browser = makeBrowser(client);
    const tokens = await redeem(browser, 'first sign-in', appA, await signIn(browser, 'first sign-in', appA));
    const nobody = makeBrowser(client);

    await traced(nobody, 'token', 'discovery', { path: '/.well-known/openid-configuration' });
    await traced(nobody, 'token', 'jwks', { path: '/jwks' });
    const cc = { method: 'POST', path: '/token', headers: { ...FORM, authorization: basic(machine) }, body: form({ grant_type: 'client_credentials', scope: 'api:read' }) };
    await traced(nobody, 'token', 'token client_credentials (first)', cc);
    await traced(nobody, 'token', 'token client_credentials (warm)', cc);
    const refreshed = await traced(nobody, 'token', 'token refresh_token', { method: 'POST', path: '/token', headers: { ...FORM, authorization: basic(appA) }, body: form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }) });
    if (refreshed.status !== 200) throw new Error(`refresh: ${refreshed.status} ${refreshed.body.toString('utf8')}`);
    const pair = JSON.parse(refreshed.body.toString('utf8'));
    await traced(nobody, 'token', 'introspection', { method: 'POST', path: '/introspect', headers: { ...FORM, authorization: basic(appA) }, body: form({ token: pair.access_token }) });
    await traced(nobody, 'token', 'userinfo', { path: '/userinfo', headers: { authorization: `Bearer ${pair.access_token}` } });

    // SSO: the same browser authorizes app B, whose consent is remembered.
    let res = await traced(browser, 'sso', 'SSO authorize (app B)', { path: authorizeQuery(appB, { prompt: '' }).replace('&prompt=', '') });
    for (let hop = 0; res.status === 302 && pathOf(res.headers.location, origin).startsWith('/'); hop++) {
      if (hop > 3) throw new Error('SSO authorize did not return to the client');
      res = await traced(browser, 'sso', `SSO follow ${pathOf(res.headers.location, origin).split('?')[0]}`, { path: pathOf(res.headers.location, origin) });
    }
    if (!new URL(res.headers.location ?? 'x:/').searchParams.get('code')) throw new Error(`SSO authorize did not return a code: ${res.status} ${res.headers.location}`);

    await traced(nobody, 'token', 'revocation', { method: 'POST', path: '/revoke', headers: { ...FORM, authorization: basic(appA) }, body: form({ token: pair.refresh_token, token_type_hint: 'refresh_token' }) });

    // RP-initiated logout with a hint, then the confirmation form if one is shown.
    res = await traced(browser, 'logout', 'logout GET /logout', { path: `/logout?${form({ id_token_hint: tokens.id_token, post_logout_redirect_uri: PLRU, state: 'bye' })}` });
    for (let hop = 0; res.status === 200 && /name="csrf"/.test(res.body.toString('utf8')); hop++) {
      if (hop > 2) throw new Error('logout confirmation loops');
      const html = res.body.toString('utf8');
      const fields = Object.fromEntries([...html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&')]));
      const button = /<button[^>]*name="([^"]+)"[^>]*value="([^"]*)"/.exec(html);
      if (button) fields[button[1]] = button[2];
      res = await traced(browser, 'logout', 'logout POST /logout (confirm)', { method: 'POST', path: '/logout', headers: FORM, body: form(fields) });
    }
    if (res.status !== 303 && res.status !== 302 && res.status !== 200) throw new Error(`logout: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);

    const report = makeReport(results, opts);
    if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else process.stdout.write(formatReport(report));
    if (opts.strict && report.targets.some((t) => !t.pass)) process.exitCode = 2;
  } finally {
    await client.close().catch(() => {});
    await mf.dispose().catch(() => {});
  }
}


function total(rows) {
  const sum = (k) => rows.reduce((n, r) => n + r[k], 0);
  return {
    primaryReads: sum('primaryReads'), primaryWrites: sum('primaryWrites'), replicaReads: sum('replicaReads'), kv: sum('kv'),
    durableObjects: sum('durableObjects'), background: sum('background'), depth: sum('depth'), primaryDepth: sum('primaryDepth'),
  };
}

function makeReport(results, opts) {
  const rows = results.map(({ trips, ...r }) => ({ ...r, detail: trips.map((t) => `${t.background ? 'bg ' : ''}d${t.depth} ${t.kind}${t.write ? ' W' : ''} ${t.binding}: ${t.label.replace(/\s+/g, ' ').slice(0, 90)}`) }));
  const flows = ['first sign-in', 'sso', 'logout'].map((flow) => ({ flow, ...total(rows.filter((r) => r.flow === flow)) }));
  const targets = TRIP_TARGETS.map(([name, pick, maxDepth, maxPrimary]) => {
    const t = total(pick(rows));
    return { name, depth: t.depth, primaryDepth: t.primaryDepth, maxDepth, maxPrimary, pass: t.depth <= maxDepth && t.primaryDepth <= maxPrimary };
  });
  return { date: new Date().toISOString(), commit: commit(), delayMs: opts.delay, rows, flows, targets };
}

function formatReport(rep) {
  const pad = (s, n) => String(s).padEnd(n);
  const num = (s, n) => String(s).padStart(n);
  let out = `Storage round trips per request (commit ${rep.commit}, ${rep.date}, ${rep.delayMs} ms per trip)\n`;
  out += 'depth = sequential round trips; prim = of those, levels with a D1 primary trip; rd/wr = D1 primary statements+batches; repl = D1 replica (withSession); kv; do; bg = left to waitUntil\n\n';
  out += `${pad('flow', 14)}${pad('request', 36)}${num('status', 6)}${num('depth', 6)}${num('prim', 5)}${num('rd', 4)}${num('wr', 4)}${num('repl', 5)}${num('kv', 4)}${num('do', 4)}${num('bg', 4)}${num('ms', 7)}\n`;
  for (const r of rep.rows) {
    out += `${pad(r.flow, 14)}${pad(r.name, 36)}${num(r.status, 6)}${num(r.depth, 6)}${num(r.primaryDepth, 5)}${num(r.primaryReads, 4)}${num(r.primaryWrites, 4)}${num(r.replicaReads, 5)}${num(r.kv, 4)}${num(r.durableObjects, 4)}${num(r.background, 4)}${num(Math.round(r.ms), 7)}\n`;
  }
  out += '\n';
  for (const f of rep.flows) out += `${pad(`TOTAL ${f.flow}`, 50)}${num(f.depth, 6)}${num(f.primaryDepth, 5)}${num(f.primaryReads, 4)}${num(f.primaryWrites, 4)}${num(f.replicaReads, 5)}${num(f.kv, 4)}${num(f.durableObjects, 4)}${num(f.background, 4)}\n`;
  out += '\nTargets (issue 10): sequential trips, of which on the D1 primary\n';
  for (const t of rep.targets) out += `${t.pass ? 'PASS' : 'MISS'}  ${pad(t.name, 52)} ${t.depth} (${t.primaryDepth})   target ≤ ${t.maxDepth} (≤ ${t.maxPrimary})\n`;
  if (process.env.BENCH_TRIPS_DETAIL) {
    out += '\nTrips per request:\n';
    for (const r of rep.rows) out += `${r.name} ${r.method} ${r.path}\n${r.detail.map((d) => `    ${d}`).join('\n')}\n`;
  }
  return out;
}
