import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { ISSUER, createClient } from '../helpers';
import { authorizeQuery } from './local-helpers';

/** The app with SIGNUP=off (the pool's bindings have sign-up on). */
const withSignupOff = (path: string) =>
  app.request(`${ISSUER}${path}`, { redirect: 'manual' }, { ...env, SIGNUP: 'off', ISSUER: `${ISSUER}/signup-off` }, createExecutionContext());

describe('SIGNUP=off', () => {
  it('prompt=create is invalid_request (Initiating User Registration §4.1) and discovery leaves it out', async () => {
    const client = await createClient();
    const res = await withSignupOff(`/authorize?${authorizeQuery(client, { prompt: 'create' })}`);
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get('Location')!);
    expect(url.searchParams.get('error')).toBe('invalid_request');
    expect(url.searchParams.get('state')).toBe('st-789');
    const meta = (await (await withSignupOff('/.well-known/openid-configuration')).json()) as { prompt_values_supported: string[] };
    expect(meta.prompt_values_supported).toEqual(['none', 'login', 'consent', 'select_account']);
  });

  it('the sign-up page is gone and the sign-in page has no link to it', async () => {
    expect((await withSignupOff('/interaction/abc/signup')).status).toBe(404);
    const client = await createClient();
    const start = await withSignupOff(`/authorize?${authorizeQuery(client)}`);
    const cookie = start.headers.getSetCookie().find((c) => c.startsWith('__Host-op_interaction_'))!.split(';')[0]!;
    const page = await app.request(`${ISSUER}${start.headers.get('Location')}`, { headers: { Cookie: cookie } }, { ...env, SIGNUP: 'off' }, createExecutionContext());
    const html = await page.text();
    expect(html).toContain('name="password"');
    expect(html).not.toContain('/signup');
  });

  it('with sign-up on, the same prompt=create request proceeds', async () => {
    const client = await createClient();
    const res = await app.request(`${ISSUER}/authorize?${authorizeQuery(client, { prompt: 'create' })}`, { redirect: 'manual' }, env, createExecutionContext());
    expect(res.headers.get('Location')).toMatch(/^\/interaction\//);
  });
});
