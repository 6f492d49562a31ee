// The admin CLI's argument errors: exit code 2 and one clear line on stderr, before any request
// (the OP URL points nowhere, so a request would fail differently).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ROOT } from './helpers/wrangler';

const run = promisify(execFile);
const NOWHERE = 'http://127.0.0.1:1';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/admin.mjs', ...args], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: 'x', OP_URL: NOWHERE } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('admin CLI argument errors', () => {
  test.each([
    [['clients', 'create', '--name', 'x', '--bogus'], 'error: unknown flag --bogus'],
    [['clients', 'create', '--name', 'x', '-x'], 'error: unknown flag -x'],
    [['clients', 'create', '--name'], 'error: --name needs a value (NAME)'],
    [['clients', 'create', '--name', '--public'], 'error: --name needs a value (NAME)'],
    [['clients', 'create', '--name', 'x', '--name', 'y'], 'error: --name given more than once'],
    [['clients', 'create', '--name', 'x', '--no-name'], 'error: unknown flag --no-name'],
    [['clients', 'create', '--name', 'x', '--public=maybe'], 'error: --public is a switch; got --public=maybe'],
    [['clients', 'create', '--name', 'x', '--auth-method', 'foo'], 'error: --auth-method must be one of client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, none; got "foo"'],
    [['clients', 'create', '--name', 'x', '--grant-type', 'password'], 'error: --grant-type must be one of authorization_code, refresh_token, client_credentials, implicit; got "password"'],
    [['keys', 'rotate', '--alg', 'HS256'], 'error: --alg must be one of RS256, PS256, ES256, EdDSA; got "HS256"'],
    [['clients', 'create', '--name', 'x', '--access-token-ttl', '0'], 'error: --access-token-ttl must be a whole number of seconds'],
    [['clients', 'get', 'a', 'b'], 'error: clients get: unexpected argument "b"'],
    [['clients'], 'error: missing subcommand for "clients": one of create, update, list, get, delete, rotate-secret, claims'],
    [['nope'], 'error: unknown command "nope"; run with --help for the list'],
    [['--issuer', 'not-a-url', 'clients', 'list'], 'error: invalid issuer URL "not-a-url"'],
  ])('%j -> %s', async (args, message) => {
    const { code, stdout, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(message);
  });

  test('a missing required flag or argument names it and shows the command help', async () => {
    const flag = await cli('scopes', 'create', '--name', 's');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: scopes create: missing required --claim\n\nUsage: npm run admin -- scopes create \[flags\]/);
    const arg = await cli('clients', 'get');
    expect(arg.code).toBe(2);
    expect(arg.stderr).toMatch(/^error: clients get: missing CLIENT_ID\n\nUsage: npm run admin -- clients get CLIENT_ID \[flags\]/);
  });

  test('repeatable flags collect, --no-x and --x=yes set switches (the request then fails: the OP is unreachable)', async () => {
    const res = await cli('clients', 'update', 'c1', '--no-first-party', '--scope', 'openid', '--scope=email', '--json');
    expect(res.code).toBe(1);
    expect(res.stderr).not.toMatch(/unknown flag|needs a value/);
  });

  test('an argument that starts with a dash (a base64url client_id) is an argument, not a flag', async () => {
    const res = await cli('clients', 'get', '-Y3Yp4MkAakXxc-hSpUnig');
    expect(res.code).toBe(1); // it got as far as the request, which cannot reach the OP
    expect(res.stderr).toMatch(/127\.0\.0\.1:1|fetch failed|cannot reach|ECONNREFUSED/i);
    expect(res.stderr).not.toMatch(/unknown flag/);
  });

  test('--help and -h list the choices from the shared list (src/algorithms.json)', async () => {
    const lists = JSON.parse(readFileSync(join(ROOT, 'src', 'algorithms.json'), 'utf8')) as { signingAlgorithms: string[]; clientAuthMethods: string[] };
    const help = await cli('clients', 'create', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(lists.clientAuthMethods.join(' | '));
    expect((await cli('keys', 'rotate', '-h')).stdout).toContain(lists.signingAlgorithms.join(' | '));
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const group of ['clients', 'users', 'registration', 'claims', 'scopes', 'logout-deliveries', 'keys']) expect(top.stdout).toContain(`\n  ${group} `);
  });
});
