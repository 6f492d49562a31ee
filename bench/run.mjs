#!/usr/bin/env node
// `npm run bench`: throughput, latency and server CPU per request of the BUILT Worker, run by
// workerd (through Miniflare) with its real bindings: D1, KV and the Durable Objects of
// wrangler.toml. No `wrangler dev`: its proxy would dominate the cost of cheap routes.
// See BENCHMARKS.md for the method.
//
//   npm run bench -- [--rounds N] [--batch N] [--concurrency N] [--warmup N] [--only REGEX]
//                    [--cpu sched|stat] [--seed N] [--no-build] [--strict] [--json]
//   npm run bench -- --trips [--delay MS] [--no-build] [--json] [--strict]   (storage round trips, bench/trips.mjs)
//   npm run bench -- --load [--vus N] [--duration S] [--refreshes N] [--no-build] [--json]   (load run, bench/load.mjs)
//
// Progress goes to stderr; the report (or with --json the JSON document) to stdout.

/**
 * The routes, measured in interleaved rounds. A route is
 *   name        unique label (used in the report, the JSON and TARGETS)
 *   path        request path, or
 *   request     (ctx, i) => ({ method, path, headers?, body? }) for request i of a batch
 *   expect      expected status (default 200); any other answer counts as a failure
 *   batchScale  this route's batch is round(--batch × batchScale) (slow routes get smaller batches)
 *   setup       async (ctx) => void, run once after the Worker is up, before the warm-up
 * ctx: { origin, adminToken, state (shared object), opts (the run's options), d1() -> the DB binding,
 *        send(req) -> {status, headers, body}, admin(method, path, body?) -> parsed JSON (throws on
 *        non-2xx), log(msg) }.
 * `empty` and `static-json` are the baselines the report compares against: keep them.
 */
export const ROUTES = [
  { name: 'discovery', path: '/.well-known/openid-configuration' },
  { name: 'jwks', path: '/jwks' },
  { name: 'empty', path: '/__bench/empty', expect: 204 },
  {
    name: 'static-json',
    // A constant document as long as the real JWKS, with the same headers, served without the app.
    request: (ctx) => ({ path: `/__bench/static-json?bytes=${ctx.state.jwksBytes}` }),
    setup: async (ctx) => {
      const jwks = await ctx.send({ path: '/jwks' });
      if (jwks.status !== 200) throw new Error(`GET /jwks answered ${jwks.status}`);
      ctx.state.jwksBytes = jwks.body.length;
      // The comparison is only fair if both answers carry the same header set (bench/entry.ts).
      const mine = await ctx.send({ path: `/__bench/static-json?bytes=${ctx.state.jwksBytes}` });
      const names = (h) => Object.keys(h).map((k) => k.toLowerCase()).filter((k) => !['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)).sort().join(', ');
      if (names(jwks.headers) !== names(mine.headers)) {
        ctx.log(`warning: /jwks and static-json send different headers:\n  /jwks:       ${names(jwks.headers)}\n  static-json: ${names(mine.headers)}`);
      }
    },
  },
  // static-json plus one JSON log line like the app's per-request line (src/observability/log.ts): the local price of logging.
  { name: 'static-json + log line', request: (ctx) => ({ path: `/__bench/static-json-log?bytes=${ctx.state.jwksBytes}` }) },
  { name: 'sign RS256-2048', path: '/__bench/sign?alg=RS256&bits=2048', batchScale: 0.25 },
  { name: 'sign RS256-3072', path: '/__bench/sign?alg=RS256&bits=3072', batchScale: 0.125 },
  { name: 'sign RS256-4096', path: '/__bench/sign?alg=RS256&bits=4096', batchScale: 0.0625 },
  { name: 'sign PS256-2048', path: '/__bench/sign?alg=PS256&bits=2048', batchScale: 0.25 },
  { name: 'sign ES256', path: '/__bench/sign?alg=ES256', batchScale: 0.5 },
  { name: 'sign EdDSA', path: '/__bench/sign?alg=EdDSA', batchScale: 0.5 },
  { name: 'sign RS256-2048 x2', path: '/__bench/sign?alg=RS256&bits=2048&count=2', batchScale: 0.25 },
  // What one D1 query and one Durable Object call cost locally, where workerd runs them in-process.
  { name: 'one D1 query', path: '/__bench/d1', batchScale: 0.5 },
  { name: 'one DO call', path: '/__bench/do', batchScale: 0.5 },
  // The token lifecycle endpoints (issue 4), each beside the signing it has to do.
  {
    name: 'token (client_credentials)',
    setup: async (ctx) => {
      const c = await ctx.admin('POST', '/admin/clients', {
        client_name: 'bench machine', grant_types: ['client_credentials'], scope: 'api:read api:write', token_endpoint_auth_method: 'client_secret_basic',
      });
      ctx.state.ccBasic = 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
    },
    request: (ctx) => ({
      method: 'POST', path: '/token', body: 'grant_type=client_credentials&scope=api%3Aread',
      headers: { authorization: ctx.state.ccBasic, 'content-type': 'application/x-www-form-urlencoded' },
    }),
    batchScale: 0.25,
  },
  {
    // The issue's baseline for client_credentials: "a bare Worker that checks a secret and signs one
    // RS256 token" (bench/entry.ts), sent the same request as the route above.
    name: 'bare client_credentials',
    request: () => ({
      method: 'POST', path: '/__bench/client-credentials', body: 'grant_type=client_credentials&scope=api%3Aread',
      headers: { authorization: 'Basic ' + Buffer.from('bench-bare-client:bench-bare-secret-0123456789abcdefghijklmnopqrstuv').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    }),
    batchScale: 0.25,
  },
  {
    name: 'token (refresh_token)',
    // Every request rotates a different refresh token, seeded straight into D1 (one grant and family each).
    setup: async (ctx) => {
      const c = await ctx.admin('POST', '/admin/clients', {
        client_name: 'bench app', redirect_uris: ['https://bench.invalid/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic',
      });
      const u = await ctx.admin('POST', '/admin/users', { username: `bench${Date.now()}`, password: 'bench password 1', email: `bench${Date.now()}@example.com` });
      ctx.state.rtBasic = 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
      const size = (ctx.opts.rounds + 4) * Math.max(ctx.opts.concurrency, Math.round(ctx.opts.batch * 0.25)) + 200;
      ctx.state.refreshTokens = await seedRefreshTokens(ctx, c.client_id, u.id, size);
      ctx.state.nextRefresh = 0;
      // One refresh now gives userinfo a user access token.
      const res = await ctx.send(refreshRequest(ctx));
      ctx.state.userAccessToken = JSON.parse(res.body.toString('utf8')).access_token;
    },
    request: (ctx) => refreshRequest(ctx),
    batchScale: 0.25,
  },
  {
    name: 'introspection',
    setup: async (ctx) => {
      const res = await ctx.send({
        method: 'POST', path: '/token', body: 'grant_type=client_credentials',
        headers: { authorization: ctx.state.ccBasic, 'content-type': 'application/x-www-form-urlencoded' },
      });
      ctx.state.ccToken = JSON.parse(res.body.toString('utf8')).access_token;
    },
    request: (ctx) => ({
      method: 'POST', path: '/introspect', body: `token=${ctx.state.ccToken}`,
      headers: { authorization: ctx.state.ccBasic, 'content-type': 'application/x-www-form-urlencoded' },
    }),
    batchScale: 0.5,
  },
  {
    name: 'userinfo',
    request: (ctx) => ({ path: '/userinfo', headers: { authorization: `Bearer ${ctx.state.userAccessToken}` } }),
    batchScale: 0.5,
  },
];

/** Targets checked at the end: `route` against `baseline`, both measured in the same rounds. */
export const TARGETS = [
  { route: 'discovery', baseline: 'static-json', maxRpsShortfall: 0.1, maxCpuOverUs: 50 },
  { route: 'jwks', baseline: 'static-json', maxRpsShortfall: 0.1, maxCpuOverUs: 50 },
  // Issue 4: each endpoint at most its signing cost plus 0.5 ms of CPU. Issue 10, client_credentials:
  // ≤ 1.3× the CPU per request of a bare RS256 signature and ≥ 0.75× its requests per second.
  { route: 'token (client_credentials)', baseline: 'sign RS256-2048', maxCpuOverUs: 500, maxCpuRatio: 1.3, maxRpsShortfall: 0.25 },
  // The same targets against the issue's own baseline: the same POST to a bare secret-checking, signing Worker.
  { route: 'token (client_credentials)', baseline: 'bare client_credentials', maxCpuRatio: 1.3, maxRpsShortfall: 0.25 },
  { route: 'token (refresh_token)', baseline: 'sign RS256-2048 x2', maxCpuOverUs: 500 },
  { route: 'introspection', baseline: 'sign RS256-2048', maxCpuOverUs: 500 },
  { route: 'userinfo', baseline: 'sign RS256-2048', maxCpuOverUs: 500 },
];

function refreshRequest(ctx) {
  const token = ctx.state.refreshTokens[ctx.state.nextRefresh++ % ctx.state.refreshTokens.length];
  return {
    method: 'POST', path: '/token', body: `grant_type=refresh_token&refresh_token=${token}`,
    headers: { authorization: ctx.state.rtBasic, 'content-type': 'application/x-www-form-urlencoded' },
  };
}

/**
 * `count` offline grants, each with a fresh refresh token family at generation 0, written to D1 as
 * the token endpoint would; the tokens are minted here as src/tokens/refresh_token_format.ts does
 * (the bench knows KEY_ENCRYPTION_KEY, it generated it).
 */
async function seedRefreshTokens(ctx, clientId, userId, count) {
  const db = await ctx.d1();
  const now = Math.floor(Date.now() / 1000);
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(ctx.kek, 'base64url'), Buffer.alloc(0), 'refresh-token-family', 32));
  const tokens = [];
  for (let i = 0; i < count; i += 100) {
    const stmts = [];
    for (let j = i; j < Math.min(count, i + 100); j++) {
      const grantId = `bench-${randomBytes(8).toString('hex')}`;
      const family = randomBytes(12);
      const head = Buffer.concat([family, Buffer.alloc(4)]); // generation 0
      tokens.push(Buffer.concat([head, createHmac('sha256', key).update(head).digest().subarray(0, 16)]).toString('base64url'));
      stmts.push(db.prepare('INSERT INTO grants (id, client_id, user_id, sid, scope, created_at, expires_at, auth_time, amr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .bind(grantId, clientId, userId, 'bench-sid', 'openid profile email offline_access', now, now + 30 * 86400, now, '["pwd"]'));
      stmts.push(db.prepare('INSERT INTO refresh_token_families (id, grant_id, client_id, generation, issued_at, expires_at) VALUES (?, ?, ?, 0, ?, ?)')
        .bind(family.toString('base64url'), grantId, clientId, now, now + 14 * 86400));
    }
    await db.batch(stmts);
  }
  return tokens;
}
const FLOOR = 'empty';
/** Suffix of the routes of the --against build. */
const AGAINST = ' [against]';

// -----------------------------------------------------------------------------------------------

import { build, BUILD_DIR, findWorkerdPid, log, machineInfo, makeClient, readCpu, readMachineBusy, startWorker } from './harness.mjs';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function parseArgs(argv) {
  const opts = { rounds: 40, batch: 500, concurrency: 8, warmup: undefined, only: undefined, cpu: undefined, seed: undefined, build: true, strict: false, json: false, against: undefined };
  const int = (name, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--rounds': opts.rounds = int('rounds', value()); break;
      case '--batch': opts.batch = int('batch', value()); break;
      case '--concurrency': opts.concurrency = int('concurrency', value()); break;
      case '--warmup': opts.warmup = int('warmup', value()); break;
      case '--seed': opts.seed = int('seed', value()); break;
      case '--only': opts.only = new RegExp(value()); break;
      case '--cpu': opts.cpu = value(); if (!['sched', 'stat'].includes(opts.cpu)) throw new Error('--cpu is sched or stat'); break;
      case '--no-build': opts.build = false; break;
      case '--against': opts.against = value(); break;
      case '--strict': opts.strict = true; break;
      case '--json': opts.json = true; break;
      case '-h': case '--help':
        process.stdout.write('usage: npm run bench -- [--rounds N] [--batch N] [--concurrency N] [--warmup N] [--only REGEX] [--cpu sched|stat] [--seed N] [--no-build] [--against OTHER/entry.js] [--strict] [--json]\n');
        process.exit(0);
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return opts;
}

/** Small seeded PRNG (mulberry32), so a run's route order can be replayed with --seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function shuffle(list, random) {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
const sortNum = (xs) => Float64Array.from(xs).sort();
const median = (xs) => quantile(sortNum(xs), 0.5);
const iqr = (xs) => {
  const s = sortNum(xs);
  return [quantile(s, 0.25), quantile(s, 0.75)];
};

function requestOf(route, ctx, i) {
  const r = route.request ? route.request(ctx, i) : { path: route.path };
  return { method: r.method ?? 'GET', path: r.path, headers: r.headers, body: r.body };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = rng(seed);
  const selected = ROUTES.filter((r) => !opts.only || opts.only.test(r.name) || r.name === FLOOR || TARGETS.some((t) => t.baseline === r.name));
  const names = new Set();
  for (const r of selected) {
    if (names.has(r.name)) throw new Error(`duplicate route name ${r.name}`);
    names.add(r.name);
  }

  let script = join(BUILD_DIR, 'entry.js');
  if (opts.build || !existsSync(script)) {
    log('building bench/entry.ts with wrangler deploy --dry-run');
    script = build();
  }

  // One side per Worker build: this tree's, and with --against another build's (e.g. an earlier commit's
  // bench/.build/entry.js), measured in the same interleaved rounds so both see the same machine.
  const sides = [];
  const stop = async () => {
    for (const side of sides) {
      await side.client.close().catch(() => {});
      await side.mf.dispose().catch(() => {});
    }
  };
  process.once('SIGINT', () => stop().finally(() => process.exit(130)));
  for (const [scriptPath, suffix] of [[script, ''], ...(opts.against ? [[opts.against, AGAINST]] : [])]) {
    log(`starting workerd (Miniflare) with the bindings of wrangler.toml for ${scriptPath}`);
    const worker = await startWorker(scriptPath);
    log(`workerd pid ${worker.pid} on ${worker.origin}; D1 ${worker.bindings.d1.join(', ')}; KV ${worker.bindings.kv.join(', ')}; DO ${worker.bindings.durableObjects.join(', ')}`);
    const client = await makeClient(worker.origin, opts.concurrency);
    sides.push({ worker, mf: worker.mf, pid: worker.pid, client, suffix, script: scriptPath });
  }
  const worker = sides[0].worker;

  try {
    const cpuSource = opts.cpu ?? (readCpu(sides[0].pid).sched === null ? 'stat' : 'sched');
    for (const side of sides) {
      const { client, worker: w } = side;
      side.ctx = {
        origin: w.origin,
        adminToken: w.secrets.ADMIN_TOKEN,
        kek: w.secrets.KEY_ENCRYPTION_KEY,
        state: {},
        opts,
        d1: () => w.mf.getD1Database('DB'),
        log,
        send: (req) => client.send({ method: 'GET', ...req }),
        async admin(method, path, body) {
          const res = await client.send({
            method,
            path,
            headers: { authorization: `Bearer ${w.secrets.ADMIN_TOKEN}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
            body: body ? JSON.stringify(body) : undefined,
          });
          const text = res.body.toString('utf8');
          if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
          return text ? JSON.parse(text) : null;
        },
      };
    }
    const routes = sides.flatMap((side) => selected.map((r) => ({ ...r, name: r.name + side.suffix, side })));

    // Set-up, then a check of one answer per route, then the warm-up.
    for (const route of routes) {
      const { ctx } = route.side;
      if (route.setup) await route.setup(ctx);
      route.expect ??= 200;
      route.batchSize = Math.max(opts.concurrency, Math.round(opts.batch * (route.batchScale ?? 1)));
      const res = await ctx.send(requestOf(route, ctx, 0));
      if (res.status !== route.expect) {
        throw new Error(`${route.name}: ${requestOf(route, ctx, 0).path} answered ${res.status}, expected ${route.expect}: ${res.body.toString('utf8').slice(0, 300)}`);
      }
      route.bytes = res.body.length;
      route.displayPath = requestOf(route, ctx, 0).path;
      route.contentType = res.headers['content-type'] ?? '';
    }
    log(`warming up ${routes.length} routes`);
    for (const route of routes) {
      const n = opts.warmup ?? Math.max(50, Math.ceil(route.batchSize / 2));
      const w = await route.side.client.batch(n, (i) => requestOf(route, route.side.ctx, i), route.expect);
      if (w.failures) throw new Error(`${route.name}: ${w.failures}/${n} failures while warming up (${w.firstFailure})`);
    }

    // Interleaved rounds: every route once per round, in a fresh random order.
    const samples = new Map(routes.map((r) => [r.name, []]));
    const machine0 = readMachineBusy();
    const workerdStat = () => sides.reduce((sum, side) => sum + readCpu(side.pid).stat, 0);
    const workerd0 = workerdStat();
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    for (let round = 0; round < opts.rounds; round++) {
      for (const route of shuffle(routes, random)) {
        const busy0 = readMachineBusy();
        const cpu0 = readCpu(route.side.pid);
        const client0 = process.cpuUsage();
        const res = await route.side.client.batch(route.batchSize, (i) => requestOf(route, route.side.ctx, i), route.expect);
        const clientUs = process.cpuUsage(client0);
        const cpu1 = readCpu(route.side.pid);
        const busy1 = readMachineBusy();
        samples.get(route.name).push({
          round,
          n: route.batchSize,
          wallMs: res.wallMs,
          latencies: res.latencies,
          failures: res.failures,
          firstFailure: res.firstFailure,
          statS: cpu1.stat - cpu0.stat,
          schedS: cpu1.sched !== null && cpu0.sched !== null ? cpu1.sched - cpu0.sched : NaN,
          clientS: (clientUs.user + clientUs.system) / 1e6,
          // Cores used by other processes during this batch (/proc/stat ticks, so coarse for short batches).
          otherCores: busy0 && busy1
            ? Math.max(0, (busy1.busyS - busy0.busyS - (cpu1.stat - cpu0.stat) - (clientUs.user + clientUs.system) / 1e6) / (res.wallMs / 1000))
            : NaN,
        });
      }
      log(`round ${round + 1}/${opts.rounds} done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const durationS = (performance.now() - t0) / 1000;
    // CPU used by everything else on the machine meanwhile (other test runs skew req/s more than CPU/req).
    const machine1 = readMachineBusy();
    const workerd1 = workerdStat();
    const selfUs = process.cpuUsage(self0);
    const load = machine0 && machine1
      ? {
          machineBusyCores: (machine1.busyS - machine0.busyS) / durationS,
          workerdCores: (workerd1 - workerd0) / durationS,
          benchNodeCores: (selfUs.user + selfUs.system) / 1e6 / durationS,
          stealCores: (machine1.stealS - machine0.stealS) / durationS,
        }
      : null;
    if (load) {
      load.otherCores = load.machineBusyCores - load.workerdCores - load.benchNodeCores;
      if (load.otherCores > 0.1) log(`warning: other processes used ${load.otherCores.toFixed(2)} cores during the run; req/s figures are disturbed`);
    }
    if (!sides.some((side) => findWorkerdPid() === side.pid)) log('warning: the workerd process changed during the run; CPU figures are unreliable');

    const results = summarize(routes, samples, cpuSource);
    const targets = checkTargets(results, sides.map((side) => side.suffix));
    const report = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      worker: { compatibilityDate: worker.compatibilityDate, compatibilityFlags: worker.compatibilityFlags, bindings: worker.bindings },
      settings: { rounds: opts.rounds, batch: opts.batch, concurrency: opts.concurrency, cpuSource, seed, durationS, against: opts.against },
      load,
      routes: results,
      comparisons: targets.comparisons,
      targets: targets.checks,
    };
    if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else process.stdout.write(formatReport(report));

    const failures = results.reduce((n, r) => n + r.failures, 0);
    if (failures) {
      log(`${failures} requests failed`);
      process.exitCode = 1;
    } else if (opts.strict && targets.checks.some((c) => !c.pass)) {
      process.exitCode = 1;
    }
  } finally {
    await stop();
  }
}

function summarize(routes, samples, cpuSource) {
  const out = [];
  for (const route of routes) {
    const s = samples.get(route.name);
    const n = s.reduce((a, b) => a + b.n, 0);
    const wallS = s.reduce((a, b) => a + b.wallMs, 0) / 1000;
    const lat = new Float64Array(n);
    let k = 0;
    for (const b of s) {
      lat.set(b.latencies, k);
      k += b.latencies.length;
    }
    lat.sort();
    const statS = s.reduce((a, b) => a + b.statS, 0);
    const schedS = s.reduce((a, b) => a + b.schedS, 0);
    const perBatchCpuUs = s.map((b) => ((cpuSource === 'sched' ? b.schedS : b.statS) / b.n) * 1e6);
    out.push({
      name: route.name,
      path: route.displayPath,
      status: route.expect,
      bytes: route.bytes,
      contentType: route.contentType,
      requests: n,
      failures: s.reduce((a, b) => a + b.failures, 0),
      firstFailure: s.find((b) => b.firstFailure)?.firstFailure,
      rps: n / wallS,
      p50Ms: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
      cpuUsPerReq: ((cpuSource === 'sched' ? schedS : statS) / n) * 1e6,
      cpuStatUsPerReq: (statS / n) * 1e6,
      cpuSchedUsPerReq: (schedS / n) * 1e6,
      clientCpuUsPerReq: (s.reduce((a, b) => a + b.clientS, 0) / n) * 1e6,
      cpuMedianUsPerReq: median(perBatchCpuUs),
      rpsMedian: median(s.map((b) => b.n / (b.wallMs / 1000))),
      perRound: {
        rps: s.map((b) => b.n / (b.wallMs / 1000)),
        cpuUsPerReq: perBatchCpuUs,
        otherCores: s.map((b) => b.otherCores),
      },
    });
  }
  for (const r of out) {
    const floor = out.find((x) => x.name === FLOOR + routes.find((y) => y.name === r.name).side.suffix);
    r.cpuOverEmptyUs = floor ? r.cpuUsPerReq - floor.cpuUsPerReq : NaN;
    // Per round, against the floor's batch of the same round.
    r.perRound.cpuOverEmptyUs = floor ? r.perRound.cpuUsPerReq.map((c, i) => c - floor.perRound.cpuUsPerReq[i]) : [];
  }
  return out;
}

function checkTargets(results, suffixes = ['']) {
  const by = new Map(results.map((r) => [r.name, r]));
  const comparisons = [];
  const checks = [];
  const targets = suffixes.flatMap((sfx) => TARGETS.map((t) => ({ ...t, route: t.route + sfx, baseline: t.baseline + sfx })));
  for (const t of targets) {
    const a = by.get(t.route);
    const b = by.get(t.baseline);
    if (!a || !b) continue;
    const rpsRatio = a.rps / b.rps;
    const rounds = a.perRound.rps.map((x, i) => x / b.perRound.rps[i]);
    const cpuDiff = a.cpuUsPerReq - b.cpuUsPerReq;
    const roundsCpu = a.perRound.cpuUsPerReq.map((x, i) => x - b.perRound.cpuUsPerReq[i]);
    const cpuRatio = a.cpuUsPerReq / b.cpuUsPerReq;
    const roundsCpuRatio = a.perRound.cpuUsPerReq.map((x, i) => x / b.perRound.cpuUsPerReq[i]);
    comparisons.push(
      { name: `${t.route} rps / ${t.baseline} rps`, value: rpsRatio, roundsMedian: median(rounds), roundsIqr: iqr(rounds) },
      { name: `${t.route} CPU - ${t.baseline} CPU (µs/req)`, value: cpuDiff, roundsMedian: median(roundsCpu), roundsIqr: iqr(roundsCpu) },
      ...(t.maxCpuRatio !== undefined
        ? [{ name: `${t.route} CPU / ${t.baseline} CPU`, value: cpuRatio, roundsMedian: median(roundsCpuRatio), roundsIqr: iqr(roundsCpuRatio) }]
        : []),
    );
    // `pass` judges the whole-run figure; `roundsPass` the median over rounds, which shrugs off a
    // round disturbed by other processes. When they disagree the result is within the noise.
    if (t.maxRpsShortfall !== undefined) {
      checks.push({
        name: `${t.route} rps within ${t.maxRpsShortfall * 100} % of ${t.baseline}`,
        value: rpsRatio,
        limit: 1 - t.maxRpsShortfall,
        pass: rpsRatio >= 1 - t.maxRpsShortfall,
        roundsPass: median(rounds) >= 1 - t.maxRpsShortfall,
      });
    }
    if (t.maxCpuRatio !== undefined) {
      checks.push({
        name: `${t.route} CPU at most ${t.maxCpuRatio}× ${t.baseline}'s`,
        value: cpuRatio,
        limit: t.maxCpuRatio,
        ratio: true,
        pass: cpuRatio <= t.maxCpuRatio,
        roundsPass: median(roundsCpuRatio) <= t.maxCpuRatio,
      });
    }
    if (t.maxCpuOverUs !== undefined) {
      checks.push({
        name: `${t.route} CPU within ${t.maxCpuOverUs} µs/req of ${t.baseline}`,
        value: cpuDiff,
        limit: t.maxCpuOverUs,
        pass: cpuDiff <= t.maxCpuOverUs,
        roundsPass: median(roundsCpu) <= t.maxCpuOverUs,
      });
    }
  }
  return { comparisons, checks };
}

function table(rows, header, align) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'l' ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

function formatReport(rep) {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const sign = (x, d = 0) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(d) : 'n/a');
  const m = rep.machine;
  const st = rep.settings;
  let out = '';
  out += `Worker bench ${rep.date}\n`;
  out += `machine: ${m.nproc} CPUs, ${m.cpuModel}; Node ${m.node}; workerd ${m.workerd} (miniflare ${m.miniflare}, wrangler ${m.wrangler}); Linux ${m.kernel}\n`;
  out += `settings: ${st.rounds} interleaved rounds, batch ${st.batch} (scaled per route), concurrency ${st.concurrency}, ` +
    `server CPU from ${st.cpuSource === 'sched' ? '/proc/<workerd>/task/*/schedstat (ns)' : '/proc/<workerd>/stat utime+stime (ticks)'}, seed ${st.seed}, ${f(st.durationS, 1)} s measured\n`;
  if (st.against) out += `routes marked${AGAINST} ran on ${st.against} (its own workerd), in the same interleaved rounds\n`;
  if (rep.load) {
    const l = rep.load;
    out += `load while measuring (cores busy on average): workerd ${f(l.workerdCores, 2)}, bench client ${f(l.benchNodeCores, 2)}, other processes ${f(l.otherCores, 2)}` +
      `${l.stealCores > 0.005 ? `, steal ${f(l.stealCores, 2)}` : ''} (of ${m.nproc})`;
    const batches = rep.routes.flatMap((r) => r.perRound.otherCores);
    const disturbed = batches.filter((x) => x > 0.25).length;
    out += `; ${disturbed} of ${batches.length} batches ran next to > 0.25 cores of other work\n`;
  }
  out += '\n';
  out += table(
    rep.routes.map((r) => [
      r.name, String(r.requests), String(r.bytes), f(r.rps), f(r.p50Ms, 2), f(r.p99Ms, 2), f(r.cpuUsPerReq, 1), sign(r.cpuOverEmptyUs, 1), f(r.cpuMedianUsPerReq, 0), f(r.cpuStatUsPerReq, 0), f(r.clientCpuUsPerReq, 0),
    ]),
    ['route', 'requests', 'bytes', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU over empty µs', 'CPU median', '(stat)', 'client µs'],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  out += '\n';
  for (const c of rep.comparisons) {
    const isRatio = c.name.includes(' / ');
    const d = isRatio ? 3 : 1;
    out += `${c.name}: ${isRatio ? f(c.value, d) : sign(c.value, d)}   (per round: median ${isRatio ? f(c.roundsMedian, d) : sign(c.roundsMedian, d)}, IQR ${isRatio ? f(c.roundsIqr[0], d) : sign(c.roundsIqr[0], d)} … ${isRatio ? f(c.roundsIqr[1], d) : sign(c.roundsIqr[1], d)})\n`;
  }
  out += '\n';
  for (const c of rep.targets) {
    const v = c.ratio ? `${f(c.value, 3)} (need ≤ ${f(c.limit, 2)})` : c.name.includes('rps') ? `${f(c.value, 3)} (need ≥ ${f(c.limit, 2)})` : `${sign(c.value, 1)} µs (need ≤ ${c.limit})`;
    const borderline = c.pass !== c.roundsPass ? `   (borderline: the per-round median says ${c.roundsPass ? 'PASS' : 'MISS'})` : '';
    out += `${c.pass ? 'PASS' : 'MISS'}  ${c.name}: ${v}${borderline}\n`;
  }
  const failed = rep.routes.filter((r) => r.failures);
  for (const r of failed) out += `FAILURES  ${r.name}: ${r.failures}/${r.requests} (first: ${r.firstFailure})\n`;
  return out;
}

// `--trips`: the storage-trip mode (bench/trips.mjs) instead of the CPU/throughput run.
const run = process.argv.includes('--profile')
  ? () => import('./profile.mjs').then((m) => m.main(process.argv.slice(2).filter((a) => a !== '--profile')))
  : process.argv.includes('--trips')
  ? () => import('./trips.mjs').then((m) => m.main(process.argv.slice(2).filter((a) => a !== '--trips')))
  : process.argv.includes('--load')
    ? () => import('./load.mjs').then((m) => m.main(process.argv.slice(2).filter((a) => a !== '--load')))
    : main;
run().catch((err) => {
  log(`error: ${err?.stack ?? err}`);
  process.exit(1);
});
