// `npm run bench -- --load [--vus N] [--duration S] [--refreshes N] [--no-build] [--json]`: the load run
// of issue 10.
//
// Starts the built bench Worker (bench/entry.ts) in Miniflare with its REAL bindings (no trip
// delay), then runs --vus virtual users (default 32) for --duration seconds (default 60). Each
// user loops: a complete first sign-in in a new browser (GET /authorize, sign-in page, POST
// sign-in, consent page, POST consent, code exchange at /token), then --refreshes (default 3)
// refresh_token rotations. Every iteration comes from a new source IP (CF-Connecting-IP), as
// different visitors would. Prints throughput, p50/p99 latency per request kind and overall,
// errors (any unexpected answer) and 5xx; exits 2 when there is any error.
import { build, BUILD_DIR, log, makeClient, startWorker, commit } from './harness.mjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function parseArgs(argv) {
  const opts = { vus: 32, duration: 60, refreshes: 3, build: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--vus': opts.vus = Number(value()); break;
      case '--duration': opts.duration = Number(value()); break;
      case '--refreshes': opts.refreshes = Number(value()); break;
      case '--no-build': opts.build = false; break;
      case '--json': opts.json = true; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return opts;
}

const form = (o) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const csrfOf = (html) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
let ipSeq = 0;
const nextIp = () => { const n = ++ipSeq; return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`; };

export async function main(argv) {
  const opts = parseArgs(argv);
  let script = join(BUILD_DIR, 'entry.js');
  if (opts.build || !existsSync(script)) {
    log('building bench/entry.ts with wrangler deploy --dry-run');
    script = build();
  }
  log(`starting workerd (Miniflare); ${opts.vus} virtual users for ${opts.duration} s`);
  const worker = await startWorker(script, {});
  const { mf, origin } = worker;
  const client = await makeClient(origin, opts.vus);
  const samples = new Map(); // kind -> latencies
  const errors = [];
  let fiveXX = 0;
  let flows = 0;
  try {
    const admin = async (method, path, body) => {
      const res = await client.send({ method, path, headers: { authorization: `Bearer ${worker.secrets.ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
      return JSON.parse(res.body.toString('utf8'));
    };
    const app = await admin('POST', '/admin/clients', {
      client_name: 'load app', redirect_uris: ['https://bench.invalid/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic',
    });
    const basic = 'Basic ' + Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64');
    const password = 'load password 1';
    const users = [];
    for (let i = 0; i < opts.vus; i++) {
      const username = `load${Date.now().toString(36)}${i}`;
      await admin('POST', '/admin/users', { username, password, email: `${username}@example.com` });
      users.push(username);
    }

    /** One request of kind `kind`; a status other than `expect` is an error. */
    async function request(kind, jar, ip, req, expect) {
      const headers = { ...(req.headers ?? {}), 'cf-connecting-ip': ip };
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      if (cookie) headers.cookie = cookie;
      const t0 = performance.now();
      let res;
      try {
        res = await client.send({ method: 'GET', ...req, headers });
      } catch (err) {
        errors.push(`${kind}: ${err?.message ?? err}`);
        return null;
      }
      const ms = performance.now() - t0;
      if (!samples.has(kind)) samples.set(kind, []);
      samples.get(kind).push(ms);
      const set = res.headers['set-cookie'];
      for (const line of Array.isArray(set) ? set : set ? [set] : []) {
        const [pair, ...attrs] = line.split(';');
        const name = pair.slice(0, pair.indexOf('=')).trim();
        const value = pair.slice(pair.indexOf('=') + 1);
        if (value === '' || attrs.some((a) => a.trim().toLowerCase() === 'max-age=0')) jar.delete(name);
        else jar.set(name, value);
      }
      if (res.status >= 500) fiveXX++;
      if (!expect.includes(res.status)) {
        errors.push(`${kind}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
        return null;
      }
      return res;
    }

    const local = (location) => (location.startsWith(origin) ? location.slice(origin.length) : location);

    async function firstSignIn(username) {
      const jar = new Map();
      const ip = nextIp();
      const q = form({ client_id: app.client_id, redirect_uri: app.redirect_uris[0], response_type: 'code', scope: 'openid profile email offline_access', state: 's', nonce: 'n', prompt: 'consent' });
      let res = await request('GET /authorize', jar, ip, { path: `/authorize?${q}` }, [302, 303]);
      for (let hop = 0; res && hop < 8; hop++) {
        const location = local(res.headers.location ?? '');
        if (!location.startsWith('/')) {
          const code = new URL(location).searchParams.get('code');
          if (!code) { errors.push(`authorize: no code in ${location}`); return null; }
          const token = await request('token authorization_code', jar, ip, { method: 'POST', path: '/token', headers: { ...FORM, authorization: basic }, body: form({ grant_type: 'authorization_code', code, redirect_uri: app.redirect_uris[0] }) }, [200]);
          return token ? { ip, tokens: JSON.parse(token.body.toString('utf8')) } : null;
        }
        if (location.startsWith('/authorize')) { res = await request('GET /authorize', jar, ip, { path: location }, [302, 303]); continue; }
        const page = await request('interaction page', jar, ip, { path: location }, [200]);
        if (!page) return null;
        const html = page.body.toString('utf8');
        const base = location.split('?')[0].replace(/\/login$/, '');
        if (/name="password"/.test(html)) res = await request('POST sign-in', jar, ip, { method: 'POST', path: `${base}/login`, headers: FORM, body: form({ csrf: csrfOf(html), username, password }) }, [302, 303]);
        else if (/name="decision"/.test(html)) res = await request('POST consent', jar, ip, { method: 'POST', path: `${base}/consent`, headers: FORM, body: form({ csrf: csrfOf(html), decision: 'allow' }) }, [302, 303]);
        else { errors.push(`unexpected page at ${location}`); return null; }
      }
      if (res) errors.push('authorization did not finish');
      return null;
    }

    const deadline = performance.now() + opts.duration * 1000;
    const t0 = performance.now();
    async function vu(i) {
      while (performance.now() < deadline) {
        const signedIn = await firstSignIn(users[i]);
        if (!signedIn) continue;
        let rt = signedIn.tokens.refresh_token;
        for (let r = 0; r < opts.refreshes && rt; r++) {
          const res = await request('token refresh_token', new Map(), signedIn.ip, { method: 'POST', path: '/token', headers: { ...FORM, authorization: basic }, body: form({ grant_type: 'refresh_token', refresh_token: rt }) }, [200]);
          rt = res ? JSON.parse(res.body.toString('utf8')).refresh_token : undefined;
        }
        flows++;
      }
    }
    await Promise.all(Array.from({ length: opts.vus }, (_, i) => vu(i)));
    const wallS = (performance.now() - t0) / 1000;

    const all = [...samples.values()].flat().sort((a, b) => a - b);
    const rows = [...samples].map(([kind, l]) => {
      const s = [...l].sort((a, b) => a - b);
      return { kind, requests: s.length, p50: pct(s, 50), p99: pct(s, 99) };
    });
    const report = {
      commit: commit(), date: new Date().toISOString(), vus: opts.vus, durationS: wallS, refreshesPerSignIn: opts.refreshes,
      requests: all.length, requestsPerS: all.length / wallS, flows, flowsPerS: flows / wallS,
      p50: pct(all, 50), p99: pct(all, 99), errors: errors.length, fiveXX, firstErrors: errors.slice(0, 5), rows,
    };
    if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else process.stdout.write(format(report));
    if (errors.length || fiveXX) process.exitCode = 2;
  } finally {
    await client.close().catch(() => {});
    await mf.dispose().catch(() => {});
  }
}


function format(r) {
  const f = (n) => n.toFixed(1).padStart(8);
  let out = `Load run (commit ${r.commit}, ${r.date}): ${r.vus} virtual users, ${r.durationS.toFixed(1)} s, Miniflare (workerd, local D1/KV/DO)\n`;
  out += `each iteration: a first sign-in with consent in a new browser (6 requests) + ${r.refreshesPerSignIn} refreshes\n\n`;
  out += `${'request'.padEnd(28)}${'count'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}\n`;
  for (const row of r.rows) out += `${row.kind.padEnd(28)}${String(row.requests).padStart(8)}${f(row.p50)}${f(row.p99)}\n`;
  out += `${'all'.padEnd(28)}${String(r.requests).padStart(8)}${f(r.p50)}${f(r.p99)}\n\n`;
  out += `throughput: ${r.requestsPerS.toFixed(1)} requests/s, ${r.flowsPerS.toFixed(2)} complete sign-ins (+ refreshes)/s (${r.flows} in all)\n`;
  out += `errors: ${r.errors}, of which 5xx: ${r.fiveXX}\n`;
  for (const e of r.firstErrors) out += `  ${e}\n`;
  return out;
}
