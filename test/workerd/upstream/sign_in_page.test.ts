// The sign-in page's "Continue with" links, idp_hint, LOCAL_PASSWORDS=off, and the upstream routes'
// refusals (issue 11). The flow itself runs end to end against oidc-provider (test/e2e/upstream.test.ts).
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { ADMIN, createClient, fetchOp, ISSUER } from '../helpers';
import { authorizeQuery, expectErrorRedirect } from '../authorize/local-helpers';

let n = 0;
async function addUpstream(name: string): Promise<string> {
  const slug = `sp-${Date.now().toString(36)}-${n++}`;
  const res = await fetchOp('/admin/upstreams', { method: 'POST', headers: ADMIN, body: JSON.stringify({ slug, name, issuer: 'https://idp.example.com', client_id: 'c', client_secret: 's' }) });
  expect(res.status).toBe(201);
  return slug;
}

const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('__Host-op_interaction_'))!.split(';')[0]!;

describe('the sign-in page and upstream providers', () => {
  it('shows "Continue with NAME" links (no script) to /upstream/SLUG/start for this interaction', async () => {
    const slug = await addUpstream('Example <IdP>');
    const client = await createClient();
    const start = await fetchOp(`/authorize?${authorizeQuery(client)}`);
    const id = start.headers.get('Location')!.split('/').pop()!;
    const page = await fetchOp(`/interaction/${id}`, { headers: { Cookie: cookieOf(start) } });
    const html = await page.text();
    expect(html).toContain(`href="/upstream/${slug}/start?interaction=${id}"`);
    // The name is escaped, and the password form is still there.
    expect(html).toContain('Continue with Example &lt;IdP&gt;');
    expect(html).toContain('name="password"');
    expect(page.headers.get('Content-Security-Policy')).not.toContain('unsafe-inline');
  });

  it('idp_hint=SLUG goes straight to the upstream; an unknown slug is invalid_request to the client', async () => {
    const slug = await addUpstream('Hinted');
    const client = await createClient();
    const res = await fetchOp(`/authorize?${authorizeQuery(client, { idp_hint: slug })}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toMatch(new RegExp(`^/upstream/${slug}/start\\?interaction=[A-Za-z0-9_-]+$`));
    expectErrorRedirect(await fetchOp(`/authorize?${authorizeQuery(client, { idp_hint: 'nope-nothing' })}`), 'invalid_request', { state: 'st-789' });
  });

  it('LOCAL_PASSWORDS=off: no password form, and a posted password is refused', async () => {
    await addUpstream('One');
    await addUpstream('Two');
    const vars = { ...env, LOCAL_PASSWORDS: 'off' };
    const client = await createClient();
    const req = (path: string, init: RequestInit = {}) => app.request(`${ISSUER}${path}`, { redirect: 'manual', ...init }, vars, createExecutionContext());
    const start = await req(`/authorize?${authorizeQuery(client)}`);
    const cookie = cookieOf(start);
    const page = await req(start.headers.get('Location')!, { headers: { Cookie: cookie } });
    const html = await page.text();
    expect(html).toContain('Continue with One');
    expect(html).not.toContain('name="password"');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const posted = await req(`${start.headers.get('Location')}/login`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, username: 'someone', password: 'whatever-password' }).toString(),
    });
    expect(posted.status).toBe(400);
    expect(posted.headers.getSetCookie().some((c) => c.includes('op_session='))).toBe(false);
  });

  it('refuses an unknown upstream, a callback not started in this browser, and a malformed logout request', async () => {
    expect((await fetchOp('/upstream/no-such/start?interaction=x')).status).toBe(404);
    const slug = await addUpstream('Refusing');
    const cb = await fetchOp(`/upstream/${slug}/callback?code=abc&state=made-up.value`);
    expect(cb.status).toBe(400);
    expect(await cb.text()).toContain('This sign-in cannot be completed');
    expect((await fetchOp(`/upstream/${slug}/start?interaction=not-a-real-one`)).status).toBe(400);
    const json = await fetchOp(`/upstream/${slug}/backchannel-logout`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    const twice = await fetchOp(`/upstream/${slug}/backchannel-logout`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'logout_token=a&logout_token=b' });
    expect(twice.status).toBe(400);
    expect((await fetchOp(`/upstream/${slug}/logged-out?state=forged`)).status).toBe(400);
  });
});
