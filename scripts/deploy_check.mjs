#!/usr/bin/env node
// `npm run deploy:check -- --env production [--config wrangler.toml] [--offline]`
//
// Refuses a deployment that cannot work, and prints what it checked:
//   - the environment exists in wrangler.toml, with its own D1 database and KV namespace ids that are
//     not the placeholders (all zeros) of the template;
//   - ISSUER is set, https, and its host is the one the Worker is served on (a route / custom domain),
//     or a workers.dev host while workers_dev is on;
//   - production: workers_dev and preview URLs off;
//   - the secrets ADMIN_TOKEN (32+ characters) and KEY_ENCRYPTION_KEY are set: asked of wrangler
//     (`wrangler secret list`), which needs the account; with --offline (or when wrangler cannot
//     reach Cloudflare) this is reported as NOT CHECKED and the check fails unless --offline was asked;
//   - no migration is pending (`wrangler d1 migrations list DB --remote`), same rule.
// Plain Node, built-ins only; wrangler.toml is read with the small TOML subset parser below.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The TOML wrangler.toml uses: [tables], [[arrays of tables]], key = string | number | bool | [strings], comments. */
export function parseToml(text) {
  const root = {};
  let current = root;
  const at = (path, array) => {
    let node = root;
    const keys = path.split('.').map((k) => k.trim().replace(/^"|"$/g, ''));
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      if (last && array) {
        node[k] ??= [];
        const fresh = {};
        node[k].push(fresh);
        node = fresh;
      } else {
        if (Array.isArray(node[k])) node = node[k][node[k].length - 1];
        else node = node[k] ??= {};
      }
    });
    return node;
  };
  const value = (raw) => {
    raw = raw.trim();
    if (raw.startsWith('"')) return JSON.parse(raw.slice(0, raw.lastIndexOf('"') + 1));
    if (raw.startsWith('[') && raw.includes('{')) return [...raw.matchAll(/\{[^}]*\}/g)].map((m) => value(m[0]));
    if (raw.startsWith('[')) return JSON.parse(raw.replace(/,\s*]/, ']'));
    if (raw === 'true' || raw === 'false') return raw === 'true';
    if (/^-?\d+$/.test(raw)) return Number(raw);
    if (raw.startsWith('{')) return Object.fromEntries([...raw.slice(1, -1).matchAll(/(\w+)\s*=\s*("[^"]*"|true|false|\d+)/g)].map((m) => [m[1], value(m[2])]));
    throw new Error(`unsupported TOML value: ${raw}`);
  };
  for (const line of text.split('\n')) {
    const l = line.replace(/^\s+/, '');
    if (l === '' || l.startsWith('#')) continue;
    let m;
    if ((m = /^\[\[([^\]]+)\]\]/.exec(l))) current = at(m[1], true);
    else if ((m = /^\[([^\]]+)\]/.exec(l))) current = at(m[1], false);
    else if ((m = /^([\w."-]+)\s*=\s*(.*)$/.exec(l))) {
      const raw = m[2].replace(/\s+#[^"\]]*$/, '');
      current[m[1].replace(/^"|"$/g, '')] = value(raw);
    }
  }
  return root;
}

const PLACEHOLDER = { test: (v) => /^[0-]+$|^<.*>$|^$|REPLACE|PLACEHOLDER/i.test(v) };

function wrangler(args, config) {
  return execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), [...args, '--config', config], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
  });
}

export function check({ env, config, offline, run = wrangler }) {
  const results = [];
  const ok = (what) => results.push({ status: 'ok', what });
  const fail = (what) => results.push({ status: 'fail', what });
  const skipped = (what) => results.push({ status: offline ? 'not checked' : 'fail', what });
  if (!existsSync(config)) {
    fail(`${config} exists`);
    return results;
  }
  const toml = parseToml(readFileSync(config, 'utf8'));
  const e = toml.env?.[env];
  if (!e) {
    fail(`[env.${env}] is defined in ${config}`);
    return results;
  }
  ok(`[env.${env}] is defined`);
  const d1 = (e.d1_databases ?? []).find((d) => d.binding === 'DB');
  if (!d1) fail(`[[env.${env}.d1_databases]] binds DB`);
  else if (PLACEHOLDER.test(String(d1.database_id ?? ''))) fail(`D1 database_id of DB is a real id (got placeholder "${d1.database_id}": npx wrangler d1 create ${d1.database_name ?? 'NAME'})`);
  else ok(`D1 DB: ${d1.database_name} (${d1.database_id})`);
  const kv = (e.kv_namespaces ?? []).find((k) => k.binding === 'KEYS');
  if (!kv) fail(`[[env.${env}.kv_namespaces]] binds KEYS`);
  else if (PLACEHOLDER.test(String(kv.id ?? ''))) fail(`KV namespace id of KEYS is a real id (got placeholder "${kv.id}": npx wrangler kv namespace create KEYS --env ${env})`);
  else ok(`KV KEYS: ${kv.id}`);
  for (const binding of ['AUTH_CODES', 'THROTTLE', 'KEY_MANAGER', 'LOGOUT_DELIVERY']) {
    if (!(e.durable_objects?.bindings ?? []).some((b) => b.name === binding)) fail(`Durable Object binding ${binding} is declared for the environment`);
  }

  const issuerRaw = e.vars?.ISSUER;
  let issuer;
  if (!issuerRaw) fail('ISSUER is set in [env.' + env + '.vars]');
  else {
    try {
      issuer = new URL(issuerRaw);
      if (issuer.protocol !== 'https:' || issuer.search || issuer.hash) throw new Error('not https');
      ok(`ISSUER ${issuerRaw} is an https URL`);
    } catch {
      fail(`ISSUER is an https URL without query or fragment (got "${issuerRaw}")`);
      issuer = undefined;
    }
  }
  const routes = [...(e.routes ?? []), ...(e.route ? [e.route] : [])].map((r) => (typeof r === 'string' ? { pattern: r } : r));
  const hosts = routes.map((r) => String(r.pattern).replace(/^https?:\/\//, '').split('/')[0].replace(/\*$/, ''));
  if (issuer) {
    if (hosts.length > 0) {
      if (hosts.includes(issuer.host)) ok(`ISSUER host ${issuer.host} is a configured route / custom domain`);
      else fail(`ISSUER host ${issuer.host} matches a configured route or custom domain (configured: ${hosts.join(', ')})`);
    } else if (issuer.host.endsWith('.workers.dev') && e.workers_dev !== false) ok(`ISSUER host ${issuer.host} is a workers.dev host`);
    else fail(`ISSUER host ${issuer.host} is served: add a route or custom domain for it ([[env.${env}.routes]])`);
  }
  if (env === 'production') {
    if (e.workers_dev === false) ok('workers_dev is off');
    else fail('workers_dev = false in production (the workers.dev URL would be a second issuer host)');
    if (e.preview_urls === false) ok('preview URLs are off');
    else fail('preview_urls = false in production');
  }

  if (offline) {
    skipped('secrets ADMIN_TOKEN and KEY_ENCRYPTION_KEY are set (needs `wrangler secret list`, which needs the Cloudflare account)');
    skipped('no D1 migration is pending (needs `wrangler d1 migrations list DB --remote`)');
    return results;
  }
  try {
    const listed = JSON.parse(run(['secret', 'list', '--env', env, '--format', 'json'], config)).map((s) => s.name);
    for (const name of ['ADMIN_TOKEN', 'KEY_ENCRYPTION_KEY']) (listed.includes(name) ? ok : fail)(`secret ${name} is set`);
  } catch (err) {
    fail(`secrets could be listed (wrangler secret list --env ${env}: ${String(err.stderr ?? err.message).trim().split('\n')[0]}); run with --offline to skip`);
  }
  try {
    const out = run(['d1', 'migrations', 'list', 'DB', '--remote', '--env', env], config);
    if (/No migrations to apply/i.test(out)) ok('no D1 migration is pending');
    else fail(`D1 migrations are pending: npx wrangler d1 migrations apply DB --remote --env ${env} before deploying\n${out.trim()}`);
  } catch (err) {
    fail(`pending migrations could be listed (wrangler d1 migrations list: ${String(err.stderr ?? err.message).trim().split('\n')[0]}); run with --offline to skip`);
  }
  return results;
}

export function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  };
  const env = arg('env');
  if (!env) {
    console.error('usage: npm run deploy:check -- --env staging|production [--config wrangler.toml] [--offline]');
    return 2;
  }
  const config = resolve(arg('config') ?? join(ROOT, 'wrangler.toml'));
  const results = check({ env, config, offline: argv.includes('--offline') });
  console.log(`deploy:check --env ${env} (${config})`);
  for (const r of results) console.log(`  ${r.status === 'ok' ? 'ok  ' : r.status === 'fail' ? 'FAIL' : 'SKIP'}  ${r.what}`);
  const failed = results.filter((r) => r.status === 'fail').length;
  console.log(failed ? `\n${failed} problem(s): do not deploy.` : '\nready to deploy.');
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
