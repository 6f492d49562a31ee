import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { ISSUER, createClient } from '../helpers';
import { authorizeQuery } from './local-helpers';

// Issue 9: sign-up is off unless SIGNUP=on; unset behaves exactly like off (the pool's bindings have it on).
describe.each([['off'], [undefined]])('SIGNUP=%s', (signup) => {
  const vars = { ...env, SIGNUP: signup };
  /** The app with sign-up off, on an issuer of its own (discovery is memoized per issuer). */
  const withSignupOff = (path: string) =>
    app.request(`${ISSUER}${path}`, { redirect: 'manual' }, { ...vars, ISSUER: `${ISSUER}/signup-${signup ?? 'unset'}` }, createExecutionContext());

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
