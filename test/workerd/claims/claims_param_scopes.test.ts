// Issue 9: the claims request parameter releases nothing beyond the client's allowed scopes.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createClient, createUser, exchangeCode, fetchOp, type TestClient } from '../helpers';
import { LocalBrowser, authorizeQuery, runFlow } from '../authorize/local-helpers';

const CLAIMS = JSON.stringify({ id_token: { email: null, name: null }, userinfo: { email: null } });

async function tokens(client: TestClient, user: { username: string; password: string }, extra: Record<string, string>) {
  const callback = await runFlow(new LocalBrowser(), authorizeQuery(client, extra), user);
  const res = await exchangeCode(client, callback.searchParams.get('code')!);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { id_token: string; access_token: string };
  const info = (await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${body.access_token}` } })).json()) as Record<string, unknown>;
  return { id: decodeJwt(body.id_token), info };
}

describe('claims parameter limited by the client\'s scopes', { timeout: 30_000 }, () => {
  for (const firstParty of [false, true]) {
    it(`a client limited to openid gets neither email nor name, in the ID token or at userinfo (first_party: ${firstParty})`, async () => {
      const user = await createUser();
      const client = await createClient({ scope: 'openid', first_party: firstParty });
      const { id, info } = await tokens(client, user, { scope: 'openid', claims: CLAIMS });
      for (const claims of [id, info]) {
        expect(claims).not.toHaveProperty('email');
        expect(claims).not.toHaveProperty('name');
      }
      expect(info.sub).toBe(user.id);
    });
  }

  it('a client allowed email but not profile gets the email it asked for, not the name', async () => {
    const user = await createUser();
    const client = await createClient({ scope: 'openid email', first_party: true });
    const { id, info } = await tokens(client, user, { scope: 'openid', claims: CLAIMS });
    expect(id.email).toBe(`${user.username}@example.test`);
    expect(id).not.toHaveProperty('name');
    expect(info.email).toBe(`${user.username}@example.test`);
  });
});
