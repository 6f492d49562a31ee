import { describe, expect, it } from 'vitest';
import { ADMIN, createUser, fetchOp } from '../helpers';
import { givePasskey } from './helpers';

describe('admin API: a user\'s passkeys', () => {
  it('users get shows them; deleting one by credential id removes only that one, of that user', async () => {
    const user = await createUser();
    const a = await givePasskey(user);
    const b = await givePasskey(user, { backupEligible: false });
    const got = (await (await fetchOp(`/admin/users/${user.id}`, { headers: ADMIN })).json()) as { has_password: boolean; passkeys: { id: string; name: string; device_type: string; backed_up: boolean }[] };
    expect(got.has_password).toBe(true);
    expect(got.passkeys.map((p) => [p.id, p.device_type, p.backed_up]).sort()).toEqual(
      [
        [a.passkey.id, 'multiDevice', true],
        [b.passkey.id, 'singleDevice', false],
      ].sort(),
    );
    const other = await createUser();
    expect((await fetchOp(`/admin/users/${other.id}/passkeys/${a.passkey.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
    expect((await fetchOp(`/admin/users/${user.id}/passkeys/${a.passkey.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect((await fetchOp(`/admin/users/${user.id}/passkeys/${a.passkey.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
    const after = (await (await fetchOp(`/admin/users/${user.id}`, { headers: ADMIN })).json()) as { passkeys: { id: string }[] };
    expect(after.passkeys.map((p) => p.id)).toEqual([b.passkey.id]);
    // Without the admin token: nothing.
    expect((await fetchOp(`/admin/users/${user.id}/passkeys/${b.passkey.id}`, { method: 'DELETE' })).status).toBe(401);
  });
});
