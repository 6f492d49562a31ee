#!/usr/bin/env node
// `npm run bench -- --profile [--route NAME] [--requests N] [--no-build] [--top N]`: a V8 CPU
// profile of the built Worker (workerd's inspector, through Miniflare's `inspectorPort`) while it
// serves N requests of one route, printed as the functions with the most self time and the most
// inclusive time. It answers "where does this route's CPU go", which the CPU bench cannot.
// The profiler's sampling costs CPU itself: use it for proportions, the CPU bench for figures.
import { build, BUILD_DIR, log, makeClient, startWorker } from './harness.mjs';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

function parseArgs(argv) {
  const opts = { route: 'client_credentials', requests: 3000, concurrency: 8, top: 40, build: true, interval: 100 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--route': opts.route = value(); break;
      case '--requests': opts.requests = Number(value()); break;
      case '--concurrency': opts.concurrency = Number(value()); break;
      case '--top': opts.top = Number(value()); break;
      case '--interval': opts.interval = Number(value()); break;
      case '--no-build': opts.build = false; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return opts;
}

/** The routes that can be profiled, set up as bench/run.mjs does. */
const ROUTES = {
  discovery: { request: () => ({ path: '/.well-known/openid-configuration' }) },
  jwks: { request: () => ({ path: '/jwks' }) },
  'static-json': { request: () => ({ path: '/__bench/static-json?bytes=8216' }) },
  empty: { request: () => ({ path: '/__bench/empty' }), expect: 204 },
  sign: { request: () => ({ path: '/__bench/sign?alg=RS256&bits=2048' }) },
  client_credentials: {
    setup: async (ctx) => {
      const c = await ctx.admin('POST', '/admin/clients', {
        client_name: 'bench machine', grant_types: ['client_credentials'], scope: 'api:read api:write', token_endpoint_auth_method: 'client_secret_basic',
      });
      ctx.basic = 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
    },
    request: (ctx) => ({
      method: 'POST', path: '/token', body: 'grant_type=client_credentials&scope=api%3Aread',
      headers: { authorization: ctx.basic, 'content-type': 'application/x-www-form-urlencoded' },
    }),
  },
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function cdp(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', reject, { once: true });
  });
  let id = 0;
  const pending = new Map();
  ws.addEventListener('message', (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message}`));
      else resolve(msg.result);
    }
  });
  return {
    send: (method, params = {}) => new Promise((resolve, reject) => {
      const n = ++id;
      pending.set(n, { resolve, reject });
      ws.send(JSON.stringify({ id: n, method, params }));
    }),
    close: () => ws.close(),
  };
}

function summarize(profile, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').pop() : '';
    return `${f.functionName || '(anonymous)'} ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  };
  const selfBy = new Map();
  const inclBy = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    selfBy.set(label(n), (selfBy.get(label(n)) ?? 0) + t);
    // Inclusive: every distinct function on the stack once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur));
      if (seen.has(l)) continue;
      seen.add(l);
      inclBy.set(l, (inclBy.get(l) ?? 0) + t);
    }
  }
  const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([l, t]) => `${((t / total) * 100).toFixed(1).padStart(5)} %  ${l}`).join('\n');
  return `profiled ${(total / 1000).toFixed(0)} ms of samples\n\nself time:\n${rows(selfBy)}\n\ninclusive time:\n${rows(inclBy)}\n`;
}

export async function main(argv) {
  const opts = parseArgs(argv);
  const route = ROUTES[opts.route];
  if (!route) throw new Error(`--route is one of ${Object.keys(ROUTES).join(', ')}`);
  let script = join(BUILD_DIR, 'entry.js');
  if (opts.build || !existsSync(script)) {
    log('building bench/entry.ts with wrangler deploy --dry-run');
    script = build();
  }
  const inspectorPort = await freePort();
  const worker = await startWorker(script, {}, { inspectorPort });
  const client = await makeClient(worker.origin, opts.concurrency);
  try {
    const ctx = {
      async admin(method, path, body) {
        const res = await client.send({
          method, path,
          headers: { authorization: `Bearer ${worker.secrets.ADMIN_TOKEN}`, accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (res.status > 299) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
        return JSON.parse(res.body.toString('utf8'));
      },
    };
    if (route.setup) await route.setup(ctx);
    const expect = route.expect ?? 200;
    const warm = await client.batch(Math.min(500, opts.requests), () => route.request(ctx), expect);
    if (warm.failures) throw new Error(`warm-up failed: ${warm.firstFailure}`);
    const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
    const target = targets.find((t) => !/internal|entry/i.test(t.title ?? '')) ?? targets[0];
    log(`inspector targets: ${targets.map((t) => t.title ?? t.id).join(', ')}; profiling ${target.title ?? target.id}`);
    const session = await cdp(target.webSocketDebuggerUrl);
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: opts.interval });
    await session.send('Profiler.start');
    const res = await client.batch(opts.requests, () => route.request(ctx), expect);
    const { profile } = await session.send('Profiler.stop');
    session.close();
    if (process.env.BENCH_PROFILE_OUT) (await import('node:fs')).writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
    if (res.failures) log(`${res.failures} failures (${res.firstFailure})`);
    process.stdout.write(`route ${opts.route}: ${opts.requests} requests in ${(res.wallMs / 1000).toFixed(1)} s\n` + summarize(profile, opts.top));
  } finally {
    await client.close().catch(() => {});
    await worker.mf.dispose().catch(() => {});
  }
}
