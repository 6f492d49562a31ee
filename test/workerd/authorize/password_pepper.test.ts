// Issue 9: password hashes gain a pepper from the PASSWORD_PEPPER secret. Hashes made before it was
// set keep verifying and are upgraded at the next successful sign-in; a peppered hash is useless
// without the pepper (a dump of D1 alone cannot be attacked offline).
import { describe, expect, it } from 'vitest';
import { passwordLogin } from '../../../src/authn/password_login';
import { hashPassword, needsRehash, verifyPassword } from '../../../src/crypto/password';
import { createUser, env } from '../helpers';

const PEPPER = 'pepper-for-tests-0123456789abcdefghijklmnopqrstuv';
const withPepper = { ...env, PASSWORD_PEPPER: PEPPER };
let n = 0;
const login = (e: typeof env) => ({ env: e, ip: ip(), now: now(), defer: (work: Promise<unknown>) => void work });
const ip = () => `192.0.2.${(n++ % 250) + 1}`;
const now = () => Math.floor(Date.now() / 1000);
const storedHash = async (id: string) => (await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?').bind(id).first<{ password_hash: string }>())!.password_hash;

describe('PASSWORD_PEPPER', () => {
  it('an unpeppered hash still verifies once a pepper is set, and is upgraded at that sign-in', async () => {
    const user = await createUser(); // the test Worker has no pepper: a plain hash
    const before = await storedHash(user.id);
    expect(before).toMatch(/^pbkdf2-sha256\$100000\$/);

    const first = await passwordLogin(login(withPepper), user.username, user.password);
    expect(first.ok).toBe(true);
    const after = await storedHash(user.id);
    expect(after).toMatch(/^pbkdf2-sha256-hmac\$[A-Za-z0-9_-]{8}\$100000\$/);
    expect(after).not.toContain(before.split('$')[3]!);

    // The upgraded hash verifies with the pepper, and is not rewritten again.
    expect((await passwordLogin(login(withPepper), user.username, user.password)).ok).toBe(true);
    expect(await storedHash(user.id)).toBe(after);
    // Without the pepper the stored hash no longer verifies, not even with the right password.
    expect((await passwordLogin(login(env), user.username, user.password)).ok).toBe(false);
  });

  it('a wrong password with a pepper set neither signs in nor touches the hash', async () => {
    const user = await createUser();
    const before = await storedHash(user.id);
    expect((await passwordLogin(login(withPepper), user.username, 'not the password')).ok).toBe(false);
    expect(await storedHash(user.id)).toBe(before);
  });

  it('a peppered hash fails without its pepper, or with another one; no pepper works as before', async () => {
    const peppered = await hashPassword('s3cret password', PEPPER);
    expect(peppered.startsWith('pbkdf2-sha256-hmac$')).toBe(true);
    expect(await verifyPassword('s3cret password', peppered, PEPPER)).toBe(true);
    expect(await verifyPassword('s3cret password', peppered)).toBe(false);
    expect(await verifyPassword('s3cret password', peppered, `${PEPPER}x`)).toBe(false);
    expect(await verifyPassword('wrong', peppered, PEPPER)).toBe(false);

    const plain = await hashPassword('s3cret password');
    expect(plain).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(await verifyPassword('s3cret password', plain)).toBe(true);
    expect(await verifyPassword('wrong', plain)).toBe(false);
    expect(await needsRehash(plain)).toBe(false);
    expect(await needsRehash(plain, PEPPER)).toBe(true);
    expect(await needsRehash(peppered, PEPPER)).toBe(false);
    expect(await needsRehash(peppered, `${PEPPER}x`)).toBe(true);
  });

  it('with no pepper set, sign-in works as today and keeps the plain hash', async () => {
    const user = await createUser();
    const before = await storedHash(user.id);
    expect((await passwordLogin(login(env), user.username, user.password)).ok).toBe(true);
    expect(await storedHash(user.id)).toBe(before);
  });
});
