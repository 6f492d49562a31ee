import { describe, expect, it } from 'vitest';
import { ADMIN, Browser, createClient, createUser, csrfOf, env, fetchOp, obtainTokens } from '../helpers';

const patch = (id: string, body: unknown) => fetchOp(`/admin/users/${id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify(body) });
const post = (path: string, body?: unknown) => fetchOp(path, { method: 'POST', headers: ADMIN, ...(body === undefined ? { headers: { ...ADMIN, 'Content-Length': '0' } } : { body: JSON.stringify(body) }) });

/** Signs in at the relying parties' sign-in page; the status of the login POST. */
async function passwordSignIn(user: { username: string; password: string }): Promise<number> {
  const client = await createClient();
  const browser = new Browser();
  let res = await browser.get(`/authorize?${new URLSearchParams({ client_id: client.client_id, redirect_uri: client.redirect_uris[0]!, response_type: 'code', scope: 'openid', state: 's', nonce: 'n' })}`);
  const location = res.headers.get('Location')!;
  res = await browser.get(location);
  res = await browser.post(`${location}/login`, { csrf: csrfOf(await res.text()), username: user.username, password: user.password });
  return res.status;
}

describe('admin API: role, disable, password reset, sessions (what the console calls)', () => {
  it('role: admin or null; anything else is 400 and changes nothing', async () => {
    const user = await createUser();
    const bad = await patch(user.id, { role: 'superuser' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
    expect((await env.DB.prepare('SELECT role FROM users WHERE id = ?').bind(user.id).first<{ role: string | null }>())!.role).toBeNull();
    expect(((await (await patch(user.id, { role: 'admin' })).json()) as { role: string }).role).toBe('admin');
    expect(((await (await patch(user.id, { role: '' })).json()) as { role: string | null }).role).toBeNull();
    expect((await patch('no-such-user', { role: 'admin' })).status).toBe(404);
  });

  it('disable refuses sign-in like a wrong password, ends sessions and revokes grants; enable lets the user in again', async () => {
    const user = await createUser();
    const client = await createClient();
    const tokens = await obtainTokens({ client, user });
    expect((await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    const res = await post(`/admin/users/${user.id}/disable`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { disabled_at: number }).disabled_at).toBeGreaterThan(0);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?').bind(user.id).first<{ n: number }>())!.n).toBe(0);
    expect((await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    // The same answer as a wrong password: the page is shown again (no redirect onward).
    expect(await passwordSignIn(user)).toBe(await passwordSignIn({ username: user.username, password: 'wrong password here' }));
    expect(await passwordSignIn(user)).not.toBe(303);
    expect((await post(`/admin/users/${user.id}/enable`)).status).toBe(200);
    expect(await passwordSignIn(user)).toBe(303);
  });

  it('password reset: the sign-up rules apply, the new password works, the old one does not, sessions end', async () => {
    const user = await createUser();
    await obtainTokens({ client: await createClient(), user });
    const sessions = (await (await fetchOp(`/admin/users/${user.id}/sessions`, { headers: ADMIN })).json()) as { sessions: { sid: string }[] };
    expect(sessions.sessions).toHaveLength(1);
    expect((await post(`/admin/users/${user.id}/password`, { password: 'short' })).status).toBe(400);
    expect((await post(`/admin/users/${user.id}/password`, { password: user.username })).status).toBe(400);
    expect((await post(`/admin/users/${user.id}/password`, { password: 'a brand new passphrase' })).status).toBe(200);
    expect(((await (await fetchOp(`/admin/users/${user.id}/sessions`, { headers: ADMIN })).json()) as { sessions: unknown[] }).sessions).toHaveLength(0);
    expect(await passwordSignIn(user)).not.toBe(303);
    expect(await passwordSignIn({ username: user.username, password: 'a brand new passphrase' })).toBe(303);
  });

  it('ending one session: only that user\'s session, 404 for another user\'s', async () => {
    const user = await createUser();
    const other = await createUser();
    await obtainTokens({ client: await createClient(), user });
    const { sessions } = (await (await fetchOp(`/admin/users/${user.id}/sessions`, { headers: ADMIN })).json()) as { sessions: { sid: string }[] };
    const sid = sessions[0]!.sid;
    expect((await fetchOp(`/admin/users/${other.id}/sessions/${sid}`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
    expect((await fetchOp(`/admin/users/${user.id}/sessions/${sid}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect(((await (await fetchOp(`/admin/users/${user.id}/sessions`, { headers: ADMIN })).json()) as { sessions: unknown[] }).sessions).toHaveLength(0);
  });

  it("a client's activity: who approved it and the live sessions signed in to it (404 for an unknown client)", async () => {
    const user = await createUser();
    const client = await createClient();
    await obtainTokens({ client, user });
    const res = await fetchOp(`/admin/clients/${client.client_id}/activity`, { headers: ADMIN });
    expect(res.status).toBe(200);
    const activity = (await res.json()) as { consents: { user_id: string; username: string; scopes: string[] }[]; sessions: { user_id: string }[] };
    expect(activity.consents).toEqual([expect.objectContaining({ user_id: user.id, username: user.username, scopes: expect.arrayContaining(['openid', 'profile', 'email']) })]);
    expect(activity.sessions.map((s) => s.user_id)).toEqual([user.id]);
    expect((await fetchOp('/admin/clients/no-such-client/activity', { headers: ADMIN })).status).toBe(404);
  });
});
