// OIDC Core §8.1: pairwise subject identifiers, per sector, used consistently everywhere.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createUser, fetchOp, obtainTokens, type TestClient } from '../helpers';
import { basicAuth, introspect, postForm } from '../tokens/helpers';
import { expectInvalidToken, forgeAccessToken } from '../userinfo/local-helpers';
import { expectError, initialAccessToken, manage, register, registered, type Registered } from './local-helpers';

const asTestClient = (c: Registered | TestClient): TestClient => ({ client_id: c.client_id, client_secret: c.client_secret, redirect_uris: c.redirect_uris });
const pairwise = (redirectUris: string[], extra: Record<string, unknown> = {}) => registered({ subject_type: 'pairwise', redirect_uris: redirectUris, ...extra });

async function subjectsFor(client: TestClient, user: { username: string; password: string }, scope = 'openid profile') {
  const tokens = await obtainTokens({ client, user, scope });
  const info = (await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).json()) as { sub: string };
  return { tokens, idToken: decodeJwt(tokens.id_token).sub!, accessToken: decodeJwt(tokens.access_token).sub!, userinfo: info.sub };
}

describe('pairwise subject identifiers', () => {
  it('differ between sectors, are stable within one, and public clients see the user id', async () => {
    const user = await createUser();
    const a1 = await pairwise(['https://rp-a.example.test/cb']);
    const a2 = await pairwise(['https://rp-a.example.test/other-cb', 'https://rp-a.example.test/cb2']);
    const b = await pairwise(['https://rp-b.example.test/cb']);
    const pub = await registered({ redirect_uris: ['https://rp-a.example.test/cb'] });
    expect(a1.subject_type).toBe('pairwise');

    const sa1 = await subjectsFor(asTestClient(a1), user);
    const sa1again = await subjectsFor(asTestClient(a1), user);
    const sa2 = await subjectsFor(asTestClient(a2), user);
    const sb = await subjectsFor(asTestClient(b), user);
    const sp = await subjectsFor(asTestClient(pub), user);

    // ID token, access token and userinfo agree, for every client.
    for (const s of [sa1, sa2, sb, sp]) {
      expect(s.accessToken).toBe(s.idToken);
      expect(s.userinfo).toBe(s.idToken);
    }
    expect(sa1.idToken).toBe(sa1again.idToken);
    expect(sa2.idToken).toBe(sa1.idToken);
    expect(sb.idToken).not.toBe(sa1.idToken);
    expect(sp.idToken).toBe(user.id);
    expect(sa1.idToken).not.toBe(user.id);
    expect(sa1.idToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Another user in the same sector gets another identifier.
    const other = await subjectsFor(asTestClient(a1), await createUser());
    expect(other.idToken).not.toBe(sa1.idToken);
  });

  it('refresh and introspection carry the same pairwise sub', async () => {
    const user = await createUser();
    const c = await pairwise(['https://rp-c.example.test/cb'], { grant_types: ['authorization_code', 'refresh_token'] });
    const first = await subjectsFor(asTestClient(c), user, 'openid offline_access');
    const refreshToken = (first.tokens as unknown as { refresh_token: string }).refresh_token;
    expect(refreshToken).toBeTruthy();
    const res = await postForm('/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, basicAuth(asTestClient(c)));
    expect(res.status).toBe(200);
    const refreshed = (await res.json()) as { id_token: string; access_token: string; refresh_token: string };
    expect(decodeJwt(refreshed.id_token).sub).toBe(first.idToken);
    expect(decodeJwt(refreshed.access_token).sub).toBe(first.idToken);
    expect((await introspect(asTestClient(c), refreshed.access_token)).sub).toBe(first.idToken);
    expect((await introspect(asTestClient(c), refreshed.refresh_token)).sub).toBe(first.idToken);
  });

  it('userinfo refuses an access token whose sub is not the one its grant\'s client sees', async () => {
    const user = await createUser();
    const c = await pairwise(['https://rp-d.example.test/cb']);
    const s = await subjectsFor(asTestClient(c), user);
    // Validly signed, same grant and client, but naming the user's internal id.
    const forged = await forgeAccessToken(s.tokens.access_token, { claims: { sub: user.id } });
    await expectInvalidToken(await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${forged}` } }));
    const genuine = await forgeAccessToken(s.tokens.access_token);
    expect((await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${genuine}` } })).status).toBe(200);
  });

  it('an RFC 7592 update may not move a pairwise client to another sector', async () => {
    const c = await pairwise(['https://rp-e.example.test/cb']);
    const base = { client_id: c.client_id, subject_type: 'pairwise' };
    await expectError(await manage(c, 'PUT', { ...base, redirect_uris: ['https://rp-f.example.test/cb'] }), 400, 'invalid_client_metadata', /sector identifier/);
    expect((await manage(c, 'PUT', { ...base, redirect_uris: ['https://rp-e.example.test/cb', 'https://rp-e.example.test/cb2'] })).status).toBe(200);
  });

  it('several redirect hosts without a sector_identifier_uri -> invalid_client_metadata', async () => {
    const { initial_access_token } = await initialAccessToken();
    await expectError(
      await register({ subject_type: 'pairwise', redirect_uris: ['https://rp-a.example.test/cb', 'https://rp-b.example.test/cb'] }, initial_access_token),
      400,
      'invalid_client_metadata',
      /sector_identifier_uri/,
    );
  });

  it('an unreachable or non-https sector_identifier_uri, or an unknown subject_type -> invalid_client_metadata', async () => {
    const { initial_access_token } = await initialAccessToken({ uses: 3 });
    const base = { subject_type: 'pairwise', redirect_uris: ['https://rp-a.example.test/cb'] };
    await expectError(await register({ ...base, sector_identifier_uri: 'https://unreachable.example.test/sector.json' }, initial_access_token), 400, 'invalid_client_metadata', /sector_identifier_uri (could not be reached|gave no answer)/);
    await expectError(await register({ ...base, sector_identifier_uri: 'http://rp-a.example.test/sector.json' }, initial_access_token), 400, 'invalid_client_metadata', /https/);
    await expectError(await register({ ...base, subject_type: 'secret' }, initial_access_token), 400, 'invalid_client_metadata', /subject_type/);
  });

  it('a native pairwise client with a custom scheme is its own sector', async () => {
    const user = await createUser();
    const n = await pairwise(['com.example.app:/cb'], { application_type: 'native' });
    const s = await subjectsFor(asTestClient(n), user);
    expect(s.idToken).not.toBe(user.id);
    expect(s.userinfo).toBe(s.idToken);
  });
});
