#!/usr/bin/env node
// `npm run dev`: local development server.
//
// 1. creates .dev.vars (git-ignored) with a random ADMIN_TOKEN and KEY_ENCRYPTION_KEY if missing;
// 2. applies the local D1 migrations (non-interactively);
// 3. starts `wrangler dev` on http://localhost:$PORT (default 8787), extra args are passed on:
//    `npm run dev -- --log-level debug`;
// 4. once discovery answers, seeds a demo user and demo clients into an empty database and
//    stores their credentials in .wrangler/demo-credentials.json (the only copy of the secrets),
//    then prints them on every start.
// Ctrl-C / SIGTERM stop wrangler cleanly.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminClient, parseDotEnv, ROOT } from './lib/op.mjs';

const PORT = Number(process.env.PORT || 8787);
const ISSUER = `http://localhost:${PORT}`;
const DEV_VARS = join(ROOT, '.dev.vars');
const CREDS_FILE = join(ROOT, '.wrangler', 'demo-credentials.json');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const DEMO_REDIRECT_URIS = ['http://localhost:3000/callback', 'http://127.0.0.1:3000/callback'];
/** Where the demo clients may be sent back after RP-initiated logout (/logout). */
const DEMO_POST_LOGOUT_URIS = ['http://localhost:3000/', 'http://127.0.0.1:3000/'];

const log = (msg) => console.log(`[dev] ${msg}`);
const b64url = (n) => randomBytes(n).toString('base64url');

if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error(`[dev] invalid PORT "${process.env.PORT}"`);
  process.exit(2);
}
if (!existsSync(WRANGLER)) {
  console.error('[dev] wrangler is not installed: run `npm install` first');
  process.exit(1);
}

// 1. .dev.vars --------------------------------------------------------------------------------
function ensureDevVars() {
  const wanted = { ADMIN_TOKEN: () => b64url(32), KEY_ENCRYPTION_KEY: () => b64url(32) };
  if (!existsSync(DEV_VARS)) {
    const lines = [
      '# Local secrets for `wrangler dev` (git-ignored). Created by scripts/dev.mjs.',
      ...Object.entries(wanted).map(([k, gen]) => `${k}=${gen()}`),
      '',
    ];
    writeFileSync(DEV_VARS, lines.join('\n'), { mode: 0o600 });
    log('created .dev.vars with a random ADMIN_TOKEN and KEY_ENCRYPTION_KEY');
  } else {
    const have = parseDotEnv(readFileSync(DEV_VARS, 'utf8'));
    const missing = Object.keys(wanted).filter((k) => !have[k]);
    if (missing.length) {
      const text = readFileSync(DEV_VARS, 'utf8');
      appendFileSync(DEV_VARS, `${text.endsWith('\n') || !text ? '' : '\n'}${missing.map((k) => `${k}=${wanted[k]()}`).join('\n')}\n`);
      log(`added ${missing.join(', ')} to .dev.vars`);
    }
  }
  return parseDotEnv(readFileSync(DEV_VARS, 'utf8'));
}

// 2. migrations -------------------------------------------------------------------------------
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// 3. wrangler dev -----------------------------------------------------------------------------
let child;
let stopping = false;

function forward(signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(130);
  if (stopping) {
    // A second Ctrl-C: insist.
    child.kill('SIGKILL');
    return;
  }
  stopping = true;
  // With a terminal, Ctrl-C already reached wrangler (same process group); give it a moment
  // before forwarding so it does not see the signal twice. Other signals are forwarded now.
  const delay = signal === 'SIGINT' && process.stdin.isTTY ? 1500 : 0;
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }, delay).unref();
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) {
      log('wrangler did not stop in time; killing it');
      child.kill('SIGKILL');
    }
  }, 15_000).unref();
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => forward(sig));

async function waitForDiscovery(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  const url = `http://127.0.0.1:${PORT}/.well-known/openid-configuration`;
  while (Date.now() < deadline) {
    if (!child || child.exitCode !== null || child.signalCode !== null || stopping) return false;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) {
        await res.json();
        return true;
      }
      await res.body?.cancel();
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

// 4. demo data --------------------------------------------------------------------------------
async function seed(token) {
  const api = adminClient({ issuer: `http://127.0.0.1:${PORT}`, token });
  const [{ clients }, { users }] = await Promise.all([
    api.request('GET', '/admin/clients'),
    api.request('GET', '/admin/users'),
  ]);
  let creds = existsSync(CREDS_FILE) ? JSON.parse(readFileSync(CREDS_FILE, 'utf8')) : undefined;
  if (clients.length === 0 && users.length === 0) {
    const password = b64url(12);
    const user = await api.request('POST', '/admin/users', {
      username: 'demo',
      password,
      email: 'demo@example.com',
      given_name: 'Demo',
      family_name: 'User',
      name: 'Demo User',
    });
    const confidential = await api.request('POST', '/admin/clients', {
      client_name: 'Demo confidential client',
      redirect_uris: DEMO_REDIRECT_URIS,
      post_logout_redirect_uris: DEMO_POST_LOGOUT_URIS,
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: false,
    });
    const pub = await api.request('POST', '/admin/clients', {
      client_name: 'Demo public client',
      redirect_uris: DEMO_REDIRECT_URIS,
      post_logout_redirect_uris: DEMO_POST_LOGOUT_URIS,
      token_endpoint_auth_method: 'none',
      first_party: false,
    });
    creds = {
      created_at: new Date().toISOString(),
      issuer: ISSUER,
      user: { sub: user.id, username: 'demo', password, email: 'demo@example.com' },
      confidential_client: {
        client_id: confidential.client_id,
        client_secret: confidential.client_secret,
        token_endpoint_auth_method: confidential.token_endpoint_auth_method,
        redirect_uris: confidential.redirect_uris,
      },
      public_client: {
        client_id: pub.client_id,
        token_endpoint_auth_method: pub.token_endpoint_auth_method,
        redirect_uris: pub.redirect_uris,
      },
    };
    mkdirSync(join(ROOT, '.wrangler'), { recursive: true });
    writeFileSync(CREDS_FILE, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
    log(`seeded a demo user and two demo clients (saved to ${CREDS_FILE.slice(ROOT.length + 1)})`);
  }
  if (!creds) {
    log(`the database already has data and there is no ${CREDS_FILE.slice(ROOT.length + 1)}; ` +
      'use `npm run admin -- clients create ...` / `users create ...`');
    return;
  }
  const ids = new Set(clients.map((c) => c.client_id));
  const userIds = new Set(users.map((u) => u.id));
  const gone = (exists) => (clients.length || users.length ? (exists ? '' : '  (deleted since)') : '');
  const c = creds.confidential_client;
  const p = creds.public_client;
  const lines = [
    `Issuer:        ${ISSUER}   (discovery: ${ISSUER}/.well-known/openid-configuration)`,
    `Demo user:     username ${creds.user.username}  password ${creds.user.password}${gone(userIds.has(creds.user.sub))}`,
    `Confidential:  client_id ${c.client_id}${gone(ids.has(c.client_id))}`,
    `               client_secret ${c.client_secret}  (${c.token_endpoint_auth_method})`,
    `Public (PKCE): client_id ${p.client_id}${gone(ids.has(p.client_id))}`,
    `Redirect URIs: ${DEMO_REDIRECT_URIS.join('  ')}`,
    `Admin CLI:     npm run admin -- --help   (credentials: ${CREDS_FILE.slice(ROOT.length + 1)})`,
  ];
  const width = Math.max(...lines.map((l) => l.length));
  console.log(`\n┌${'─'.repeat(width + 2)}┐\n${lines.map((l) => `│ ${l.padEnd(width)} │`).join('\n')}\n└${'─'.repeat(width + 2)}┘\n`);
}

async function main() {
  const vars = ensureDevVars();

  log('applying local D1 migrations');
  const code = await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local'], {
    env: { ...process.env, CI: 'true' },
  });
  if (code !== 0) {
    console.error(`[dev] migrations failed (exit ${code})`);
    process.exit(code);
  }

  const extra = process.argv.slice(2);
  log(`starting wrangler dev on ${ISSUER}`);
  // Self-service sign-up is off by default (SIGNUP); the demo turns it on (`-- --var SIGNUP:off` to try without).
  child = spawn(WRANGLER, ['dev', '--ip', '127.0.0.1', '--port', String(PORT), '--var', 'SIGNUP:on', ...extra], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  child.on('error', (e) => {
    console.error(`[dev] could not start wrangler: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' || stopping ? 0 : 1));
  });

  if (!(await waitForDiscovery())) {
    if (!stopping && child.exitCode === null) log(`discovery did not answer on ${ISSUER}; not seeding`);
    return;
  }
  if (!vars.ADMIN_TOKEN) return;
  try {
    await seed(vars.ADMIN_TOKEN);
  } catch (e) {
    log(`could not seed demo data: ${e.message}`);
  }
}

main().catch((e) => {
  console.error(e);
  if (child && child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = 1;
});
