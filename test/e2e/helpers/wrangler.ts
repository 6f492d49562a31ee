/// <reference types="node" />
// Starts and stops a real `wrangler dev` for the end-to-end tests (used by global-setup.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');

/** Environment for wrangler: non-interactive, no telemetry, no update checks. */
function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
}

/** A free TCP port on 127.0.0.1 (released before it is returned, as usual for this trick). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a wrangler command to completion; rejects with its output when it fails. */
export function runWrangler(args: string[], timeoutMs = 120_000): Promise<string> {
  if (!existsSync(WRANGLER)) throw new Error(`wrangler not found at ${WRANGLER}: run npm install`);
  return new Promise((resolveRun, reject) => {
    const child = spawn(WRANGLER, args, { cwd: ROOT, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(out);
      else reject(new Error(`wrangler ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${out}`));
    });
  });
}

export interface DevServer {
  baseUrl: string;
  /** The last lines wrangler printed, for diagnostics. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev` in its own process group on 127.0.0.1 and waits until discovery answers.
 * `vars` are passed with --var (they override .dev.vars).
 */
export async function startDevServer(opts: {
  persistTo: string;
  vars: Record<string, string>;
  readyTimeoutMs?: number;
  echo?: boolean;
}): Promise<DevServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', opts.persistTo,
    '--show-interactive-dev-session=false',
    '--live-reload=false',
    ...Object.entries(opts.vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child: ChildProcess = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: wranglerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: stop() kills wrangler and workerd together
  });
  const lines: string[] = [];
  const collect = (d: Buffer) => {
    const text = d.toString();
    if (opts.echo) process.stderr.write(text);
    lines.push(...text.split('\n'));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited = false;
  const exitPromise = new Promise<void>((r) => child.on('exit', () => ((exited = true), r())));
  child.on('error', (e) => lines.push(`spawn error: ${e.message}`));

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // Last resort if the test runner dies without running teardown.
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);

  const stop = async () => {
    process.off('exit', onExit);
    if (!exited) {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    // workerd may outlive wrangler for a moment; make sure the whole group is gone.
    killGroup('SIGKILL');
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(`${baseUrl}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
      const body = await res.text();
      if (res.ok) {
        JSON.parse(body);
        return { baseUrl, logs: () => lines.join('\n'), stop };
      }
      lastError = `HTTP ${res.status}: ${body.slice(0, 300)}`;
    } catch (e) {
      lastError = e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await stop();
  throw new Error(
    `wrangler dev did not become ready on ${baseUrl} (${exited ? 'it exited' : 'timeout'}; last: ${lastError})\n` +
      `--- wrangler output ---\n${lines.join('\n')}`,
  );
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
