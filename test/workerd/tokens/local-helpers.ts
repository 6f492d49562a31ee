import { runInDurableObject } from 'cloudflare:test';
import { base64url } from 'jose';
import { expect } from 'vitest';
import { basic, env, fetchOp, type TestClient } from '../helpers';

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** POSTs a raw body to /token, with Basic credentials for the client unless told otherwise. */
export function postToken(body: string | Record<string, string>, opts: { client?: TestClient; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...FORM };
  if (opts.client?.client_secret) headers.Authorization = basic(opts.client);
  Object.assign(headers, opts.headers ?? {});
  return fetchOp('/token', { method: 'POST', headers, body: typeof body === 'string' ? body : new URLSearchParams(body).toString() });
}

/** RFC 6749 §5.2: a JSON error body, never cached, whose description has no `"` or `\`. */
export async function expectTokenError(res: Response, error: string, status = 400): Promise<{ error: string; error_description?: string }> {
  expect(res.status, `expected ${status} ${error}`).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  const text = await res.text();
  const body = JSON.parse(text) as { error: string; error_description?: string };
  expect(body.error).toBe(error);
  if (body.error_description !== undefined) {
    expect(typeof body.error_description).toBe('string');
    // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
    expect(body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
  }
  expect(body).not.toHaveProperty('access_token');
  return body;
}

export interface PlantedCode {
  code: string;
  id: string;
  secret: string;
}

const randomSecret = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const sha256b64u = async (s: string) => base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))));

/**
 * Writes an authorization code record straight into a fresh AuthorizationCodeStore object (no
 * alarm, so an expired record stays in place) and returns the code string `<id>.<secret>`, as
 * src/authorize/respond.ts issueCode builds it.
 */
export async function plantCode(
  client: TestClient,
  userId: string,
  overrides: Record<string, unknown> = {},
): Promise<PlantedCode> {
  const secret = randomSecret();
  const at = Math.floor(Date.now() / 1000);
  const record = {
    secretHash: await sha256b64u(secret),
    clientId: client.client_id,
    redirectUri: client.redirect_uris[0]!,
    userId,
    sid: `sid-${crypto.randomUUID()}`,
    scope: 'openid profile',
    authTime: at - 5,
    amr: ['pwd'],
    nonce: 'planted-nonce',
    issuedAt: at - 5,
    expiresAt: at + 60,
    ...overrides,
  };
  const id = env.AUTH_CODES.newUniqueId();
  const stub = env.AUTH_CODES.get(id);
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.kv.put('code', record);
  });
  return { code: `${id.toString()}.${secret}`, id: id.toString(), secret };
}
