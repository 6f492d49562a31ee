// Operator-defined claims and scopes through the admin CLI, released to a relying party using openid-client.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as client from 'openid-client';
import { describe, expect, inject, test } from 'vitest';
import { Admin, REDIRECT_URI } from './helpers/admin';
import { Browser } from './helpers/browser';
import { authorize } from './helpers/flow';
import { ROOT } from './helpers/wrangler';

const baseUrl = inject('baseUrl');
const admin = new Admin();
const run = promisify(execFile);
const cli = async (...args: string[]) =>
  (await run(process.execPath, ['scripts/admin.mjs', '--issuer', baseUrl, ...args], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: inject('adminToken') } })).stdout;

describe('custom scopes and claims (admin CLI)', () => {
  test('claims create, scopes create with a role decision, users update: the RP sees only the granted roles', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const roles = `https://example.com/claims/roles-${tag}`;
    const dept = `https://example.com/claims/department-${tag}`;
    const scope = `admin-${tag}`;
    expect(JSON.parse(await cli('claims', 'create', '--name', roles, '--attribute', 'roles', '--json')).name).toBe(roles);
    await cli('claims', 'create', '--name', dept, '--attribute', 'department');
    const created = JSON.parse(await cli('scopes', 'create', '--name', scope, '--claim', `${roles}=admin,auditor`, '--claim', dept, '--description', 'Administer', '--json'));
    expect(created.claims).toEqual([{ name: roles, values: ['admin', 'auditor'] }, { name: dept }]);
    expect(await cli('scopes', 'list')).toContain(scope);

    const user = await admin.createUser();
    const updated = JSON.parse(await cli('users', 'update', user.id, '--attribute', 'roles=["admin","billing"]', '--attribute', 'department=Finance', '--json'));
    expect(updated.attributes).toEqual({ roles: ['admin', 'billing'], department: 'Finance' });

    const rp = await admin.createClientWith({ scope: `openid profile email ${scope}`, first_party: true });
    const config = await client.discovery(new URL(baseUrl), rp.client_id, rp.client_secret, client.ClientSecretBasic(rp.client_secret!), { execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().scopes_supported).toContain(scope);
    expect(config.serverMetadata().claims_supported).toEqual(expect.arrayContaining([roles, dept]));
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: `openid ${scope}`, state });
    const { callback } = await authorize(new Browser([baseUrl]), url, { credentials: user });
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, idTokenExpected: true });
    expect(tokens.claims()![roles]).toEqual(['admin']);
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info[roles]).toEqual(['admin']);
    expect(info[dept]).toBe('Finance');

    // The same claim for one client with every openid grant, no scope needed.
    expect(JSON.parse(await cli('clients', 'claims', rp.client_id, '--claim', dept, '--json')).claims).toEqual([{ name: dept }]);
    const state2 = client.randomState();
    const url2 = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: state2 });
    const second = await authorize(new Browser([baseUrl]), url2, { credentials: user });
    const plain = await client.authorizationCodeGrant(config, second.callback, { expectedState: state2, idTokenExpected: true });
    expect(plain.claims()![dept]).toBe('Finance');
    expect(plain.claims()).not.toHaveProperty(roles);
    await cli('clients', 'claims', rp.client_id, '--none');

    await cli('scopes', 'delete', scope);
    await cli('claims', 'delete', roles);
    await cli('claims', 'delete', dept);
    expect(JSON.parse(await cli('claims', 'list', '--json')).claims.map((c: { name: string }) => c.name)).not.toContain(roles);
  });
});
