// Standard claims (OIDC Core §5.1) set and changed by the operator: PATCH /admin/users/:id {"claims"}.
import { describe, expect, it } from 'vitest';
import { ADMIN, clockPasses, createClient, createUser, fetchOp, obtainTokens } from '../helpers';

const patch = (id: string, body: unknown) => fetchOp(`/admin/users/${id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify(body) });
const get = async (id: string) => (await (await fetchOp(`/admin/users/${id}`, { headers: ADMIN })).json()) as { claims: Record<string, unknown>; email: string; updated_at: number };

describe('admin: PATCH of standard claims', () => {
  it('sets every §5.1 claim, address as an object; phone and address are then released by their scopes', async () => {
    const user = await createUser();
    const claims = {
      middle_name: 'Byron', nickname: 'Ada', profile: 'https://example.test/ada', picture: 'https://example.test/ada.png', website: 'https://ada.example.test',
      gender: 'female', birthdate: '1815-12-10', zoneinfo: 'Europe/London', locale: 'en-GB', phone_number: '+44 20 7946 0000', phone_number_verified: true,
      address: { street_address: '12 St James Sq', locality: 'London', postal_code: 'SW1Y', country: 'GB' },
    };
    const res = await patch(user.id, { claims });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { claims: Record<string, unknown> }).claims).toMatchObject(claims);
    const client = await createClient({ first_party: true });
    const { access_token } = await obtainTokens({ client, user, scope: 'openid profile phone address' });
    const info = (await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${access_token}` } })).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ phone_number: '+44 20 7946 0000', phone_number_verified: true, address: claims.address, birthdate: '1815-12-10', zoneinfo: 'Europe/London' });
  });

  it('null removes a claim; a changed email or phone becomes unverified; updated_at follows every change', async () => {
    const user = await createUser();
    expect((await patch(user.id, { claims: { nickname: 'A', phone_number: '+1 202 555 0100', phone_number_verified: true, email_verified: true } })).status).toBe(200);
    const before = await get(user.id);
    expect(before.claims).toMatchObject({ nickname: 'A', phone_number_verified: true, email_verified: true });
    await clockPasses(before.updated_at);
    const email = `changed-${crypto.randomUUID().slice(0, 8)}@example.test`;
    expect((await patch(user.id, { claims: { nickname: null, phone_number: '+1 202 555 0199', email } })).status).toBe(200);
    const after = await get(user.id);
    expect(after.claims.nickname).toBeUndefined();
    expect(after.claims).toMatchObject({ phone_number: '+1 202 555 0199', phone_number_verified: false, email, email_verified: false });
    expect(after.email).toBe(email);
    expect(after.updated_at).toBeGreaterThan(before.updated_at);
  });

  it('bad claims -> 400 invalid_request, nothing changed; a taken email -> 409', async () => {
    const user = await createUser();
    const other = await createUser();
    for (const claims of [
      { birthdate: '10/12/1815' }, { picture: 'javascript:alert(1)' }, { locale: 'not a locale' }, { phone_number: 'call me' },
      { address: 'London' }, { address: { planet: 'Earth' } }, { roles: ['admin'] }, { sub: 'someone-else' }, { nickname: 42 }, { email: 'nope' },
    ]) {
      const res = await patch(user.id, { claims });
      expect(res.status, JSON.stringify(claims)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
    expect((await get(user.id)).claims.birthdate).toBeUndefined();
    expect((await patch(user.id, { claims: { email: `${other.username}@example.test` } })).status).toBe(409);
    expect((await patch(user.id, { claims: { email: other.username } })).status).toBe(400);
    expect((await patch(user.id, { other: 1 })).status).toBe(400);
  });
});
