// Shared helpers for the API (resource server) tests, issue 13. Not a test file itself.
import { expect } from 'vitest';
import { ADMIN, fetchOp, uniqueIp } from '../helpers';

export interface CreatedApi {
  identifier: string;
  name: string;
  scopes: string[];
  client_id: string;
  client_secret: string;
  access_token_ttl?: number;
  signing_alg?: string;
}

let n = 0;
/** A unique suffix: the tests share one D1, and a scope belongs to one API only. */
export const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const adminApi = (path: string, method = 'GET', body?: unknown) =>
  fetchOp(`/admin/apis${path}`, { method, headers: ADMIN, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

/** A new API with two scopes of its own (`<tag>:read`, `<tag>:write`), unless overridden. */
export async function createApi(overrides: Record<string, unknown> = {}): Promise<CreatedApi> {
  const tag = uniq();
  const res = await adminApi('', 'POST', { identifier: `https://api-${tag}.example.test/`, name: `API ${tag}`, scopes: [`${tag}:read`, `${tag}:write`], ...overrides });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as CreatedApi;
}

export const apiBasic = (api: Pick<CreatedApi, 'client_id' | 'client_secret'>) => `Basic ${btoa(`${encodeURIComponent(api.client_id)}:${encodeURIComponent(api.client_secret)}`)}`;

/** RFC 7662 introspection as the API, with its own credential. */
export async function introspectAs(api: Pick<CreatedApi, 'client_id' | 'client_secret'>, token: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetchOp('/introspect', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: apiBasic(api), 'CF-Connecting-IP': uniqueIp() },
    body: new URLSearchParams({ token, ...extra }).toString(),
  });
}
