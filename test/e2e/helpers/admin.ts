// Admin API client for e2e tests (docs/admin-api.md).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { ROOT } from './wrangler';

export interface AdminClient {
  client_id: string;
  client_secret?: string;
  client_name: string;
  redirect_uris: string[];
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none';
  first_party: boolean;
  id_token_signed_response_alg?: string;
  created_at: number;
}

export interface AdminUser {
  id: string;
  username: string;
  email?: string | null;
  created_at: number;
  claims: Record<string, unknown>;
}

export interface TestUser extends AdminUser {
  password: string;
}

export const REDIRECT_URI = 'http://127.0.0.1:3000/callback';

let counter = 0;
/** A name unique within and across runs, e.g. for usernames and client names. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
}

export class Admin {
  constructor(
    readonly baseUrl = inject('baseUrl'),
    readonly token = inject('adminToken'),
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  createClient(opts: {
    name?: string;
    redirectUris?: string[];
    authMethod?: AdminClient['token_endpoint_auth_method'];
    firstParty?: boolean;
    idTokenAlg?: string;
  } = {}): Promise<AdminClient> {
    return this.request<AdminClient>('POST', '/admin/clients', {
      client_name: opts.name ?? unique('e2e-client'),
      redirect_uris: opts.redirectUris ?? [REDIRECT_URI],
      token_endpoint_auth_method: opts.authMethod ?? 'client_secret_basic',
      first_party: opts.firstParty ?? false,
      ...(opts.idTokenAlg ? { id_token_signed_response_alg: opts.idTokenAlg } : {}),
    });
  }

  /**
   * Registers a client with any admin API metadata (grant_types, scope, jwks, jwks_uri, lifetimes,
   * token_endpoint_auth_method...); client_name and redirect_uris get defaults.
   */
  createClientWith(body: Record<string, unknown>): Promise<AdminClient & Record<string, unknown>> {
    return this.request<AdminClient & Record<string, unknown>>('POST', '/admin/clients', {
      client_name: unique('e2e-client'),
      redirect_uris: [REDIRECT_URI],
      ...body,
    });
  }

  async createUser(claims: Record<string, unknown> = {}): Promise<TestUser> {
    const username = unique('user');
    const password = `pw-${crypto.randomUUID()}`;
    const user = await this.request<AdminUser>('POST', '/admin/users', {
      username,
      password,
      email: `${username}@example.com`,
      given_name: 'Ada',
      family_name: 'Lovelace',
      ...claims,
    });
    return { ...user, password };
  }

  deleteClient(id: string) {
    return this.request<void>('DELETE', `/admin/clients/${encodeURIComponent(id)}`);
  }

  deleteUser(id: string) {
    return this.request<void>('DELETE', `/admin/users/${encodeURIComponent(id)}`);
  }
}

const run = promisify(execFile);

/** Runs the admin CLI (`npm run admin -- …`) against the OP under test; its standard output. */
export async function adminCli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['scripts/admin.mjs', '--issuer', inject('baseUrl'), ...args], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: inject('adminToken') } });
  return stdout;
}
