// Operator-defined claims and scopes: definitions, user attributes, release by granted scope only.
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, createClient, createUser, fetchOp, obtainTokens } from '../helpers';
import { initialAccessToken, register, expectError } from '../registration/local-helpers';

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const ROLES = `https://example.com/claims/roles-${tag}`;
const DEPT = `https://example.com/claims/department-${tag}`;
const ADMIN_SCOPE = `admin-${tag}`;
const HR_SCOPE = `hr-${tag}`;
const ALL_SCOPE = `all-roles-${tag}`;

const api = (method: string, path: string, body?: unknown) => fetchOp(path, { method, headers: ADMIN, body: body === undefined ? undefined : JSON.stringify(body) });
const userinfo = async (token: string) => (await (await fetchOp('/userinfo', { headers: { Authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;

async function define() {
  expect((await api('POST', '/admin/claims', { name: ROLES, attribute: 'roles', description: 'Roles in the app' })).status).toBe(201);
  expect((await api('POST', '/admin/claims', { name: DEPT, attribute: 'department' })).status).toBe(201);
  expect((await api('POST', '/admin/scopes', { name: ADMIN_SCOPE, description: 'Administer the app', claims: [{ name: ROLES, values: ['admin'] }] })).status).toBe(201);
  expect((await api('POST', '/admin/scopes', { name: HR_SCOPE, claims: [DEPT, { name: ROLES, values: ['hr-viewer', 'hr-editor'] }] })).status).toBe(201);
  expect((await api('POST', '/admin/scopes', { name: ALL_SCOPE, claims: [ROLES] })).status).toBe(201);
}
const defined = define();

afterAll(async () => {
  for (const s of [ADMIN_SCOPE, HR_SCOPE, ALL_SCOPE]) await api('DELETE', `/admin/scopes/${encodeURIComponent(s)}`);
  for (const c of [ROLES, DEPT]) await api('DELETE', `/admin/claims?name=${encodeURIComponent(c)}`);
});

describe('definitions (admin API)', () => {
  it('lists claims and scopes', async () => {
    await defined;
    const claims = ((await (await api('GET', '/admin/claims')).json()) as { claims: { name: string; attribute: string }[] }).claims;
    expect(claims).toContainEqual(expect.objectContaining({ name: ROLES, attribute: 'roles', description: 'Roles in the app' }));
    const scopes = ((await (await api('GET', '/admin/scopes')).json()) as { scopes: { name: string; claims: unknown[] }[] }).scopes;
    expect(scopes.find((s) => s.name === HR_SCOPE)?.claims).toEqual([{ name: DEPT }, { name: ROLES, values: ['hr-viewer', 'hr-editor'] }]);
  });

  it('refuses standard claim names, malformed names, duplicates, standard scopes and unknown claims', async () => {
    await defined;
    for (const [body, pattern] of [
      [{ name: 'email', attribute: 'mail' }, /standard claim/],
      [{ name: 'sub', attribute: 'x' }, /standard claim/],
      [{ name: '1acme:roles', attribute: 'roles' }, /absolute URI/],
      [{ name: 'has space', attribute: 'x' }, /printable/],
      [{ name: `https://example.com/x-${tag}`, attribute: 'bad key!' }, /attribute/],
    ] as const) {
      const res = await api('POST', '/admin/claims', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error_description: string }).error_description).toMatch(pattern);
    }
    expect((await api('POST', '/admin/claims', { name: ROLES, attribute: 'roles' })).status).toBe(409);
    expect((await api('POST', '/admin/scopes', { name: 'profile', claims: [ROLES] })).status).toBe(400);
    expect((await api('POST', '/admin/scopes', { name: `x-${tag}`, claims: ['https://example.com/undefined'] })).status).toBe(400);
    expect((await api('POST', '/admin/scopes', { name: `x-${tag}`, claims: [{ name: ROLES, values: [] }] })).status).toBe(400);
    expect((await api('POST', '/admin/scopes', { name: ADMIN_SCOPE, claims: [ROLES] })).status).toBe(409);
  });

  it('a claim released by a scope cannot be deleted; unknown names are 404', async () => {
    await defined;
    expect((await api('DELETE', `/admin/claims?name=${encodeURIComponent(ROLES)}`)).status).toBe(409);
    expect((await api('DELETE', '/admin/claims?name=nope')).status).toBe(404);
    expect((await api('DELETE', '/admin/scopes/nope')).status).toBe(404);
  });

  it('discovery lists the custom scopes and claims, and follows deletions', async () => {
    await defined;
    const meta = (await (await fetchOp('/.well-known/openid-configuration')).json()) as { scopes_supported: string[]; claims_supported: string[] };
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', ADMIN_SCOPE, HR_SCOPE]));
    expect(meta.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', ROLES, DEPT]));
    const temp = `temp-${tag}`;
    expect((await api('POST', '/admin/scopes', { name: temp, claims: [DEPT] })).status).toBe(201);
    expect(((await (await fetchOp('/.well-known/openid-configuration')).json()) as { scopes_supported: string[] }).scopes_supported).toContain(temp);
    expect((await api('DELETE', `/admin/scopes/${temp}`)).status).toBe(204);
    expect(((await (await fetchOp('/.well-known/openid-configuration')).json()) as { scopes_supported: string[] }).scopes_supported).not.toContain(temp);
  });
});

describe('user attributes (admin API)', () => {
  it('are set at creation and changed with PATCH (null removes one)', async () => {
    const user = await createUser({ attributes: { department: 'R&D', roles: ['admin'] } });
    const got = (await (await api('GET', `/admin/users/${user.id}`)).json()) as { attributes: Record<string, unknown> };
    expect(got.attributes).toEqual({ department: 'R&D', roles: ['admin'] });
    const res = await api('PATCH', `/admin/users/${user.id}`, { attributes: { roles: null, level: 3 } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { attributes: unknown }).attributes).toEqual({ department: 'R&D', level: 3 });
  });

  it('refuses bad keys, other members, oversized attributes and unknown users', async () => {
    const user = await createUser();
    expect((await api('PATCH', `/admin/users/${user.id}`, { attributes: { 'bad key': 1 } })).status).toBe(400);
    expect((await api('PATCH', `/admin/users/${user.id}`, { username: 'other' })).status).toBe(400);
    expect((await api('PATCH', `/admin/users/${user.id}`, { attributes: { big: 'x'.repeat(9000) } })).status).toBe(400);
    expect((await api('PATCH', `/admin/users/${user.id}`, { attributes: [] })).status).toBe(400);
    expect((await api('PATCH', '/admin/users/no-such-user', { attributes: {} })).status).toBe(404);
  });
});

describe('release', () => {
  const client = () => createClient({ first_party: true, scope: `openid profile email ${ADMIN_SCOPE} ${HR_SCOPE} ${ALL_SCOPE}` });

  it('a scope with a role decision releases only the listed roles the user has, in the ID token and userinfo', async () => {
    await defined;
    const user = await createUser({ attributes: { roles: ['admin', 'hr-viewer', 'billing'], department: 'Finance' } });
    const tokens = await obtainTokens({ client: await client(), user, scope: `openid ${ADMIN_SCOPE}` });
    expect(tokens.scope.split(' ')).toContain(ADMIN_SCOPE);
    expect(decodeJwt(tokens.id_token)[ROLES]).toEqual(['admin']);
    const info = await userinfo(tokens.access_token);
    expect(info[ROLES]).toEqual(['admin']);
    expect(info).not.toHaveProperty(DEPT);
  });

  it('scopes add up; an unfiltered scope releases the whole attribute', async () => {
    await defined;
    const user = await createUser({ attributes: { roles: ['admin', 'hr-viewer', 'billing'], department: 'Finance' } });
    const both = await obtainTokens({ client: await client(), user, scope: `openid ${ADMIN_SCOPE} ${HR_SCOPE}` });
    const info = await userinfo(both.access_token);
    expect((info[ROLES] as string[]).sort()).toEqual(['admin', 'hr-viewer']);
    expect(info[DEPT]).toBe('Finance');
    const all = await obtainTokens({ client: await client(), user, scope: `openid ${ALL_SCOPE} ${ADMIN_SCOPE}` });
    expect(decodeJwt(all.id_token)[ROLES]).toEqual(['admin', 'hr-viewer', 'billing']);
  });

  it('nothing is released when the user lacks the roles, the scope is not granted, or the client may not ask for it', async () => {
    await defined;
    const plain = await createUser({ attributes: { roles: ['billing'], department: 'Finance' } });
    const t1 = await obtainTokens({ client: await client(), user: plain, scope: `openid ${ADMIN_SCOPE}` });
    expect(decodeJwt(t1.id_token)).not.toHaveProperty(ROLES);
    expect(await userinfo(t1.access_token)).not.toHaveProperty(ROLES);
    const t2 = await obtainTokens({ client: await client(), user: plain, scope: 'openid profile' });
    expect(await userinfo(t2.access_token)).not.toHaveProperty(DEPT);
    // A client whose allowed scopes do not include the custom scope: the scope is ignored (OIDC Core §5.4).
    const other = await createClient({ first_party: true });
    const t3 = await obtainTokens({ client: other, user: plain, scope: `openid ${HR_SCOPE}` });
    expect(t3.scope.split(' ')).not.toContain(HR_SCOPE);
    expect(await userinfo(t3.access_token)).not.toHaveProperty(DEPT);
  });

  it('a dynamically registered client cannot grant itself an operator-defined scope', async () => {
    await defined;
    const { initial_access_token } = await initialAccessToken();
    await expectError(await register({ redirect_uris: ['https://rp.example.test/cb'], scope: `openid ${ADMIN_SCOPE}` }, initial_access_token), 400, 'invalid_client_metadata', /operator/);
  });
});

describe('per-client custom claims', () => {
  const put = (id: string, claims: unknown) => api('PUT', `/admin/clients/${id}/claims`, { claims });

  it('are released to that client with every openid grant, without a scope, and to no other client', async () => {
    await defined;
    const user = await createUser({ attributes: { roles: ['hr-editor', 'admin'], department: 'People' } });
    const hrApp = await createClient({ first_party: true });
    const res = await put(hrApp.client_id, [DEPT, { name: ROLES, values: ['hr-editor'] }]);
    expect(res.status).toBe(200);
    expect(((await (await api('GET', `/admin/clients/${hrApp.client_id}/claims`)).json()) as { claims: unknown[] }).claims).toEqual([{ name: DEPT }, { name: ROLES, values: ['hr-editor'] }]);
    const tokens = await obtainTokens({ client: hrApp, user, scope: 'openid' });
    expect(decodeJwt(tokens.id_token)[DEPT]).toBe('People');
    expect(decodeJwt(tokens.id_token)[ROLES]).toEqual(['hr-editor']);
    const info = await userinfo(tokens.access_token);
    expect(info[DEPT]).toBe('People');
    expect(info[ROLES]).toEqual(['hr-editor']);

    const otherApp = await createClient({ first_party: true });
    const other = await obtainTokens({ client: otherApp, user, scope: 'openid' });
    expect(decodeJwt(other.id_token)).not.toHaveProperty(DEPT);
    expect(await userinfo(other.access_token)).not.toHaveProperty(DEPT);

    expect((await put(hrApp.client_id, [])).status).toBe(200);
    const cleared = await obtainTokens({ client: hrApp, user, scope: 'openid' });
    expect(decodeJwt(cleared.id_token)).not.toHaveProperty(DEPT);
  });

  it('refuses undefined claims and unknown clients', async () => {
    await defined;
    const app = await createClient();
    expect((await put(app.client_id, ['https://example.com/undefined'])).status).toBe(400);
    expect((await put(app.client_id, 'not-a-list')).status).toBe(400);
    expect((await put('no-such-client', [])).status).toBe(404);
    expect((await api('GET', '/admin/clients/no-such-client/claims')).status).toBe(404);
  });
});
