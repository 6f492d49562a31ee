import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../../src/app';
import { SettingError, settings } from '../../../src/settings';

/** The real app with some variables replaced (undefined removes one). */
async function fetchWith(vars: Record<string, string | undefined>, url: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, { redirect: 'manual', ...init }), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const DISCOVERY = '/.well-known/openid-configuration';

afterEach(() => vi.restoreAllMocks());

describe('settings (src/settings.ts)', () => {
  it('are parsed once per env object and typed', () => {
    const e = { ...env, CODE_TTL: '120', SIGNING_ALGS: 'ES256, EdDSA', KEY_ROTATION: 'monthly' };
    const s = settings(e);
    expect(settings(e)).toBe(s);
    expect(s.codeTtl).toBe(120);
    expect(s.signingAlgs).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(s.keyRotation).toEqual({ kind: 'monthly' });
  });

  it('an invalid value is a server_error 500 naming the variable', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const [variable, value] of <[string, string][]>[['CODE_TTL', 'soon'], ['SIGNING_ALGS', 'RS256,none'], ['REGISTRATION', 'maybe'], ['SIGNUP', 'yes'], ['ISSUER', 'ftp://op.example.test']]) {
      const res = await fetchWith({ [variable]: value, ISSUER: variable === 'ISSUER' ? value : `https://bad-${variable.toLowerCase().replace(/_/g, '-')}.example.test` }, `https://op.example.test${DISCOVERY}`);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe('server_error');
      expect(body.error_description).toContain(`configuration error: ${variable} `);
    }
    expect(() => settings({ ...env, ID_TOKEN_SIGNING_ALG: 'EdDSA', SIGNING_ALGS: 'RS256' })).toThrow(SettingError);
  });
});

describe('ISSUER unset: loopback hosts only (issue 9)', () => {
  it('any other host gets a configuration error, never an issuer taken from the Host header', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const path of [DISCOVERY, '/jwks', '/authorize?client_id=x', '/token']) {
      const res = await fetchWith({ ISSUER: undefined }, `https://attacker.example${path}`, path === '/token' ? { method: 'POST' } : undefined);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: 'server_error' });
      expect(text).toContain('ISSUER is not set');
      expect(text).not.toContain('attacker.example');
    }
  });

  it('localhost, 127.0.0.1 and [::1] are served with their own origin as the issuer', async () => {
    for (const origin of ['http://localhost:8787', 'http://127.0.0.1:8787', 'http://[::1]:8787']) {
      const res = await fetchWith({ ISSUER: undefined }, `${origin}${DISCOVERY}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { issuer: string }).issuer).toBe(origin);
    }
  });
});

describe('ADMIN_TOKEN shorter than 32 characters (issue 9)', () => {
  it('disables the admin API, with the reason logged and answered, even for the right token', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const short = 'x'.repeat(31);
    const res = await fetchWith({ ADMIN_TOKEN: short }, 'https://op.example.test/admin/clients', { headers: { Authorization: `Bearer ${short}` } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error_description: string };
    expect(body.error_description).toContain('shorter than 32 characters');
    expect(body.error_description).not.toContain(short);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('admin API disabled: ADMIN_TOKEN is shorter than 32 characters'));
  });

  it('a token of 32 characters works', async () => {
    const token = 'y'.repeat(32);
    const res = await fetchWith({ ADMIN_TOKEN: token }, 'https://op.example.test/admin/clients', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });
});

describe('SIGNUP (issue 9)', () => {
  it('is off by default: discovery has no prompt=create and the sign-up page is gone', async () => {
    expect(settings({ ...env, SIGNUP: undefined }).signup).toBe(false);
    const issuer = 'https://signup-default.example.test';
    const meta = (await (await fetchWith({ SIGNUP: undefined, ISSUER: issuer }, `${issuer}${DISCOVERY}`)).json()) as { prompt_values_supported: string[] };
    expect(meta.prompt_values_supported).not.toContain('create');
    expect((await fetchWith({ SIGNUP: undefined }, 'https://op.example.test/interaction/abc/signup')).status).toBe(404);
    expect(settings({ ...env, SIGNUP: 'on' }).signup).toBe(true);
  });
});
