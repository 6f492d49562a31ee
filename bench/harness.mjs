// Machinery for bench/run.mjs: build the bench Worker, start it in Miniflare (workerd) with the
// bindings from wrangler.toml, read workerd's CPU time from /proc, and drive HTTP load.
// Plain Node ESM; everything it imports comes from the wrangler install.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = join(ROOT, 'bench', '.build');
const CONFIG = join(ROOT, 'wrangler.toml');

const requireHere = createRequire(import.meta.url);
const wranglerPkg = requireHere.resolve('wrangler/package.json');
// The miniflare (and through it workerd and undici) that wrangler itself runs, not whatever is hoisted.
const requireFromWrangler = createRequire(wranglerPkg);
const miniflarePkg = requireFromWrangler.resolve('miniflare/package.json');
const requireFromMiniflare = createRequire(miniflarePkg);

export const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

// Build -----------------------------------------------------------------------------------------

/** `wrangler deploy bench/entry.ts --dry-run`: the bundle `wrangler deploy` would upload. */
export function build() {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const wrangler = join(dirname(wranglerPkg), 'bin', 'wrangler.js');
  const res = spawnSync(
    process.execPath,
    [wrangler, 'deploy', 'bench/entry.ts', '--dry-run', '--outdir', BUILD_DIR, '--config', CONFIG],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' } },
  );
  const script = join(BUILD_DIR, 'entry.js');
  if (res.status !== 0 || !existsSync(script)) {
    process.stderr.write(res.stdout + res.stderr);
    throw new Error(`wrangler deploy --dry-run failed (exit ${res.status})`);
  }
  return script;
}

// Config ----------------------------------------------------------------------------------------

/** wrangler.toml as wrangler reads it, re-read on every run so new bindings are picked up. */
export async function readWranglerConfig() {
  const wrangler = requireHere('wrangler');
  const config = wrangler.unstable_readConfig({ config: CONFIG }, { hideWarnings: true });
  const sqlite = wrangler.unstable_getDurableObjectClassNameToUseSQLiteMap(config.migrations);
  return { config, sqlite, splitSql: wrangler.unstable_splitSqlQuery };
}

// Miniflare -------------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export async function startWorker(scriptPath, extraBindings = {}, extraOptions = {}) {
  const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import(pathToFileURL(requireFromMiniflare.resolve('miniflare')).href);
  const { config, sqlite, splitSql } = await readWranglerConfig();

  const durableObjects = {};
  for (const b of config.durable_objects?.bindings ?? []) {
    durableObjects[b.name] = {
      className: b.class_name,
      ...(b.script_name ? { scriptName: b.script_name } : {}),
      useSQLite: sqlite.get(b.class_name) ?? false,
    };
  }
  const unsupported = [
    'r2_buckets', 'queues', 'services', 'analytics_engine_datasets', 'vectorize', 'hyperdrive', 'workflows',
  ].filter((k) => {
    const v = config[k];
    if (Array.isArray(v)) return v.length > 0;
    return !!v && typeof v === 'object' && Object.values(v).some((x) => (Array.isArray(x) ? x.length > 0 : !!x));
  });
  if (unsupported.length) log(`warning: wrangler.toml has bindings the bench does not set up: ${unsupported.join(', ')}`);

  const secrets = {
    ADMIN_TOKEN: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  };
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const options = {
    host: '127.0.0.1',
    port,
    log: new Log(LogLevel.WARN),
    cf: false, // placeholder request.cf; no network fetch at start
    name: config.name ?? 'worker',
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    bindings: { ...(config.vars ?? {}), ...secrets, ISSUER: origin, ...extraBindings },
    d1Databases: Object.fromEntries((config.d1_databases ?? []).map((d) => [d.binding, d.database_id ?? d.binding])),
    kvNamespaces: Object.fromEntries((config.kv_namespaces ?? []).map((k) => [k.binding, k.id ?? k.binding])),
    durableObjects,
    ...extraOptions,
  };
  // Miniflare 5 takes a new option shape; it converts the classic (v4) one, which is what we write.
  const mf = new Miniflare(typeof convertV4MiniflareOptions === 'function' ? convertV4MiniflareOptions(options) : options);
  const url = await mf.ready;
  if (url.origin !== origin) throw new Error(`Miniflare listens on ${url.origin}, expected ${origin}`);

  // D1 migrations, in file-name order, like `wrangler d1 migrations apply --local`.
  for (const d of config.d1_databases ?? []) {
    const dir = join(ROOT, d.migrations_dir ?? 'migrations');
    if (!existsSync(dir)) continue;
    const db = await mf.getD1Database(d.binding);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
      const statements = splitSql(readFileSync(join(dir, file), 'utf8')).filter((s) => s.trim());
      if (statements.length) await db.batch(statements.map((s) => db.prepare(s)));
    }
  }

  const pid = findWorkerdPid();
  return {
    mf,
    origin,
    secrets,
    pid,
    bindings: {
      d1: (config.d1_databases ?? []).map((d) => d.binding),
      kv: (config.kv_namespaces ?? []).map((k) => k.binding),
      durableObjects: Object.entries(durableObjects).map(([n, o]) => `${n}=${o.className}${o.useSQLite ? ' (sqlite)' : ''}`),
    },
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
  };
}

// CPU of workerd --------------------------------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function statFields(pid, task) {
  const text = readFileSync(task ? `/proc/${pid}/task/${task}/stat` : `/proc/${pid}/stat`, 'utf8');
  const close = text.lastIndexOf(')');
  return { comm: text.slice(text.indexOf('(') + 1, close), rest: text.slice(close + 2).split(' ') };
}

/** The workerd process Miniflare started: a child of this Node process whose command contains "workerd". */
export function findWorkerdPid() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { comm, rest } = statFields(entry);
      if (Number(rest[1]) !== process.pid) continue; // rest[1] is ppid (field 4)
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (comm.includes('workerd') || cmdline.includes('workerd')) found.push({ pid: Number(entry), start: Number(rest[19]) });
    } catch {
      // the process went away while we looked
    }
  }
  if (!found.length) throw new Error('no workerd child process found under this Node process');
  found.sort((a, b) => b.start - a.start); // newest first, should Miniflare ever restart it
  return found[0].pid;
}

/**
 * Cumulative CPU time of a process, two ways:
 * - `stat`: utime + stime from /proc/<pid>/stat (whole process, dead threads included), in clock
 *   ticks (1/CLK_TCK s, usually 10 ms) -> seconds;
 * - `sched`: the sum over /proc/<pid>/task/<tid>/schedstat of the time on CPU, in nanoseconds
 *   (live threads only; workerd's threads live as long as the process).
 */
export function readCpu(pid) {
  const { rest } = statFields(pid);
  const stat = (Number(rest[11]) + Number(rest[12])) / CLK_TCK; // fields 14 and 15
  let schedNs = 0;
  let sched = null;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        schedNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread exited
      }
    }
    sched = schedNs / 1e9;
  } catch {
    sched = null;
  }
  return { stat, sched };
}

export const cpuTicksPerSecond = CLK_TCK;

/** Machine-wide busy CPU seconds (all cores) from /proc/stat, to see what else ran during the bench. */
export function readMachineBusy() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busyS: (user + nice + system + irq + softirq) / CLK_TCK, stealS: (steal || 0) / CLK_TCK, idleS: (idle + iowait) / CLK_TCK };
  } catch {
    return null;
  }
}

// HTTP load -------------------------------------------------------------------------------------

export async function makeClient(origin, concurrency) {
  const { Pool } = requireFromMiniflare('undici');
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000, headersTimeout: 60_000, bodyTimeout: 60_000 });

  async function send({ method = 'GET', path, headers, body }) {
    const res = await pool.request({ method, path, headers, body });
    const buf = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body: buf };
  }

  /** Sends `count` requests with `concurrency` in flight; returns latencies (ms), wall time (ms), failures. */
  async function batch(count, makeRequest, expectStatus) {
    const latencies = new Float64Array(count);
    let next = 0;
    let failures = 0;
    let firstFailure;
    async function lane() {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const req = { method: 'GET', ...makeRequest(i) };
        const t0 = performance.now();
        try {
          const res = await pool.request(req);
          await res.body.dump({ limit: Infinity });
          latencies[i] = performance.now() - t0;
          if (res.statusCode !== expectStatus) {
            failures++;
            firstFailure ??= `HTTP ${res.statusCode}`;
          }
        } catch (err) {
          latencies[i] = performance.now() - t0;
          failures++;
          firstFailure ??= String(err?.message ?? err);
        }
      }
    }
    const t0 = performance.now();
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
    return { latencies, wallMs: performance.now() - t0, failures, firstFailure };
  }

  return { send, batch, close: () => pool.close() };
}

// Environment -----------------------------------------------------------------------------------

export function machineInfo() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {
    // not Linux
  }
  const version = (req, name) => {
    try {
      return JSON.parse(readFileSync(req.resolve(`${name}/package.json`), 'utf8')).version;
    } catch {
      return 'unknown';
    }
  };
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // keep os.cpus()
  }
  return {
    nproc,
    cpuModel: model,
    node: process.version,
    wrangler: version(requireHere, 'wrangler'),
    miniflare: version(requireFromWrangler, 'miniflare'),
    workerd: version(requireFromMiniflare, 'workerd'),
    kernel: (() => {
      try {
        return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
      } catch {
        return 'unknown';
      }
    })(),
  };
}

/** The short commit of the measured source, for the reports. */
export function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: ROOT }).trim();
  } catch {
    return 'unknown';
  }
}
