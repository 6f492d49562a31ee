// Shared helpers for the developer scripts (scripts/dev.mjs, scripts/admin.mjs).
// Plain Node ESM, built-ins only.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_ISSUER = 'http://localhost:8787';

/** Parses a dotenv-style file (KEY=value, optional quotes, # comments). */
export function parseDotEnv(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^"(.*)"$/s.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    else if (/^'(.*)'$/s.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]] = value;
  }
  return out;
}

/** Reads .dev.vars from the current directory, falling back to the repository root. */
export function readDevVars() {
  for (const file of [resolve('.dev.vars'), join(ROOT, '.dev.vars')]) {
    if (existsSync(file)) return { file, vars: parseDotEnv(readFileSync(file, 'utf8')) };
  }
  return { file: undefined, vars: {} };
}

export class CliError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** An HTTP error from the OP, carrying the OAuth-style error body when there is one. */
export class HttpError extends CliError {
  constructor(status, body, method, path) {
    const err = body && typeof body === 'object' ? body : {};
    let message = `${method} ${path} failed: HTTP ${status}`;
    if (typeof err.error === 'string') message += ` ${err.error}`;
    if (typeof err.error_description === 'string') message += `: ${err.error_description}`;
    else if (typeof body === 'string' && body.trim()) message += `: ${body.trim().slice(0, 200)}`;
    super(message);
    this.status = status;
    this.body = body;
  }
}

/**
 * A minimal client for the admin API (docs/admin-api.md).
 * `request(method, path, body?)` resolves to the parsed JSON body (or null for 204) and throws
 * HttpError for non-2xx answers and CliError when the OP cannot be reached.
 */
export function adminClient({ issuer = DEFAULT_ISSUER, token }) {
  const base = issuer.replace(/\/+$/, '');
  async function request(method, path, body) {
    if (!token) {
      throw new CliError(
        'no admin token: set ADMIN_TOKEN or create .dev.vars (run `npm run dev` once, it creates one)',
      );
    }
    let res;
    try {
      res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(e);
      throw new CliError(`cannot reach the OP at ${base} (${cause}); is it running? (npm run dev, or pass --issuer / OP_URL)`);
    }
    const text = await res.text();
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const err = new HttpError(res.status, parsed, method, path);
      if (res.status === 404 && (parsed === null || typeof parsed === 'string' || parsed?.error !== 'not_found')) {
        err.message += ' (is ADMIN_TOKEN set for the Worker? The admin API answers 404 while it is unset)';
      }
      throw err;
    }
    return parsed;
  }
  return { request, base };
}
