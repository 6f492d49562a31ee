// The admin API through the one client service and the one user-creation path (issue 16).
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN, createClient, createUser, fetchOp, obtainTokens } from '../helpers';

const post = (path: string, body: unknown) => fetchOp(path, { method: 'POST', headers: ADMIN, body: JSON.stringify(body) });
let n = 0;
const name = () => `admin${Date.now().toString(36)}${n++}`;

describe('admin clients: subject_type', () => {
  it('a pairwise client sees a sub that is not the user id, stable across sign-ins (OIDC Core §8)', async () => {
    const client = await createClient({ subject_type: 'pairwise' });
    expect(client).toMatchObject({ subject_type: 'pairwise' });
    const user = await createUser();
    const first = decodeJwt((await obtainTokens({ client, user })).id_token).sub;
    const second = decodeJwt((await obtainTokens({ client, user })).id_token).sub;
    expect(first).not.toBe(user.id);
    expect(second).toBe(first);
    const publicClient = await createClient();
    expect(decodeJwt((await obtainTokens({ client: publicClient, user })).id_token).sub).toBe(user.id);
  }, 20_000);

  it('pairwise with redirect URIs on several hosts, or an unknown subject_type -> 400 invalid_request', async () => {
    for (const body of [
      { subject_type: 'pairwise', redirect_uris: ['https://a.example.test/cb', 'https://b.example.test/cb'] },
      { subject_type: 'ephemeral' },
    ]) {
      const res = await post('/admin/clients', { client_name: 'X', redirect_uris: ['https://rp.example.test/cb'], ...body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('a pairwise client keeps its sector when its redirect URIs move: its users keep their sub', async () => {
    const client = await createClient({ subject_type: 'pairwise' });
    const user = await createUser();
    const before = decodeJwt((await obtainTokens({ client, user })).id_token).sub;
    const moved = ['https://elsewhere.example.test/cb'];
    const res = await fetchOp(`/admin/clients/${client.client_id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ redirect_uris: moved }) });
    expect(res.status).toBe(200);
    const after = decodeJwt((await obtainTokens({ client: { ...client, redirect_uris: moved }, user })).id_token).sub;
    expect(after).toBe(before);
  }, 20_000);
});

describe('admin users: the rules of every new user (shared with sign-up)', () => {
  for (const [what, body] of [
    ['a short password', { password: 'short-pw' }],
    ['a password equal to the username', { password: 'PLACEHOLDER' }],
    ['a common password', { password: 'password1234' }],
    ['a username with @ (it would look like an email)', { username: 'ada@example.test' }],
    ['a username of 2 characters', { username: 'ab' }],
    ['an email without a dot in its domain', { email: 'ada@localhost' }],
  ] as const) {
    it(`${what} -> 400 invalid_request`, async () => {
      const username = name();
      const payload: Record<string, unknown> = { username, password: 'a long enough passphrase', ...body };
      if (payload.password === 'PLACEHOLDER') payload.password = username;
      const res = await post('/admin/users', payload);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    });
  }

  it('a username or email already taken -> 409, and the password is stored hashed', async () => {
    const first = await createUser();
    expect((await post('/admin/users', { username: first.username, password: 'a long enough passphrase' })).status).toBe(409);
    expect((await post('/admin/users', { username: name(), password: 'a long enough passphrase', email: `${first.username}@example.test` })).status).toBe(409);
    const ok = await post('/admin/users', { username: name(), password: 'a long enough passphrase', attributes: { department: 'R&D' } });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body.attributes).toEqual({ department: 'R&D' });
    expect(JSON.stringify(body)).not.toContain('a long enough passphrase');
  });
});
