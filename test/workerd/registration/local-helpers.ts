// Helpers for the dynamic registration tests (RFC 7591, RFC 7592). Not a test file itself.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';
import { app } from '../../../src/app';
import { ADMIN, env, fetchOp } from '../helpers';

export const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** The smallest valid registration request: the shared fixture of the registration tests. */
export const META = { client_name: 'Dynamic App', redirect_uris: ['https://rp.example.test/cb'] };

/** A fresh initial access token from the admin API. */
export async function initialAccessToken(body: Record<string, unknown> = {}): Promise<{ initial_access_token: string; expires_at: number; uses: number }> {
  const res = await fetchOp('/admin/registration/tokens', { method: 'POST', headers: ADMIN, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return res.json();
}

export const register = (metadata: unknown, token?: string) =>
  fetchOp('/register', { method: 'POST', headers: { ...JSON_HEADERS, ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(metadata) });

export interface Registered {
  client_id: string;
  client_secret?: string;
  registration_access_token: string;
  registration_client_uri: string;
  redirect_uris: string[];
  [k: string]: unknown;
}

/** Registers with a fresh single-use token and expects 201. */
export async function registered(metadata: Record<string, unknown> = {}): Promise<Registered> {
  const { initial_access_token } = await initialAccessToken();
  const res = await register({ ...META, ...metadata }, initial_access_token);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

/** Calls the client configuration endpoint (RFC 7592) with the registration access token. */
export const manage = (c: Registered, method: 'GET' | 'PUT' | 'DELETE', body?: unknown, token = c.registration_access_token) =>
  fetchOp(new URL(c.registration_client_uri).pathname, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? JSON_HEADERS : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

export async function expectError(res: Response, status: number, error: string, description?: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  if (description) expect(body.error_description).toMatch(description);
}

/** The app with some vars overridden (REGISTRATION), on an issuer of its own (discovery is memoized per issuer). */
export async function fetchWith(vars: Record<string, string>, url: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, { redirect: 'manual', ...init }), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
