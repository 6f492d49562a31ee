import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import {
  authenticationOptions,
  registrationOptions,
  relyingParty,
  verifyAuthentication,
  verifyRegistration,
  type UserVerification,
} from '../../../src/authn/passkeys';
import { PasskeyRepository } from '../../../src/storage/passkeys';
import { ISSUER, createUser, env, nowSeconds } from '../helpers';
import { SoftAuthenticator } from './authenticator';

const rp = relyingParty(ISSUER);
const ORIGIN = 'https://op.example.test';
const binding = () => `interaction:${crypto.randomUUID()}`;
const passkeys = () => new PasskeyRepository(env.DB);

/** A user with one passkey registered through the real ceremony; returns the authenticator holding it. */
async function registered(uv: UserVerification = 'preferred') {
  const user = await createUser();
  const auth = new SoftAuthenticator();
  const b = binding();
  const options = await registrationOptions(env, rp, b, { userId: user.id, username: user.username, displayName: 'Ada' }, [], uv, nowSeconds());
  const answer = await auth.create(options, { origin: ORIGIN });
  const result = await verifyRegistration(env, rp, b, answer as RegistrationResponseJSON, 'Laptop', nowSeconds());
  if (!result.ok) throw new Error(`registration failed: ${result.reason}`);
  expect(await passkeys().insert(result.passkey)).toBe(true);
  return { user, auth, passkey: result.passkey, userVerified: result.userVerified };
}

async function signIn(auth: SoftAuthenticator, opts: Parameters<SoftAuthenticator['get']>[1] = {}, uv: UserVerification = 'preferred', b = binding()) {
  const options = await authenticationOptions(env, rp, b, uv, nowSeconds());
  const answer = (await auth.get(options, { origin: ORIGIN, ...opts })) as AuthenticationResponseJSON;
  return { answer, b, result: await verifyAuthentication(env, rp, b, answer, nowSeconds()) };
}

describe('passkey ceremonies (software authenticator)', () => {
  it('registers a discoverable ES256 passkey with attestation none for the issuer host', async () => {
    const user = await createUser();
    const b = binding();
    const options = await registrationOptions(env, rp, b, { userId: user.id, username: user.username, displayName: 'Ada' }, [], 'preferred', nowSeconds());
    expect(options.rp.id).toBe('op.example.test');
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'preferred' });
    // The WebAuthn user handle is random, not the sub.
    expect(options.user.id).not.toBe(user.id);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { passkey, userVerified } = await registered();
    expect(userVerified).toBe(true);
    expect(passkey).toMatchObject({ name: 'Laptop', counter: 0, deviceType: 'multiDevice', backedUp: true, transports: ['internal'] });
    const stored = await passkeys().find(passkey.id);
    expect(stored?.publicKey).toBe(passkey.publicKey);
  });

  it('signs in with a passkey, records the counter and the last use', async () => {
    const { user, auth, passkey } = await registered();
    const { result } = await signIn(auth);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.user.id).toBe(user.id);
    expect(result.userVerified).toBe(true);
    const stored = (await passkeys().find(passkey.id))!;
    expect(stored.counter).toBe(1);
    expect(stored.lastUsedAt).not.toBeNull();
  });

  it('refuses a challenge used twice (replay of the same answer)', async () => {
    const { auth } = await registered();
    const { answer, b, result } = await signIn(auth);
    expect(result.ok).toBe(true);
    expect(await verifyAuthentication(env, rp, b, answer, nowSeconds())).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a challenge issued for another interaction, or expired', async () => {
    const { auth } = await registered();
    const options = await authenticationOptions(env, rp, binding(), 'preferred', nowSeconds());
    const answer = (await auth.get(options, { origin: ORIGIN })) as AuthenticationResponseJSON;
    expect(await verifyAuthentication(env, rp, binding(), answer, nowSeconds())).toEqual({ ok: false, reason: 'expired' });
    const b = binding();
    const old = await authenticationOptions(env, rp, b, 'preferred', nowSeconds() - 3600);
    const late = (await auth.get(old, { origin: ORIGIN })) as AuthenticationResponseJSON;
    expect(await verifyAuthentication(env, rp, b, late, nowSeconds())).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another origin, in registration and in sign-in', async () => {
    const user = await createUser();
    const b = binding();
    const options = await registrationOptions(env, rp, b, { userId: user.id, username: user.username, displayName: 'Ada' }, [], 'preferred', nowSeconds());
    const answer = await new SoftAuthenticator().create(options, { origin: 'https://op.example.test.evil.example' });
    expect(await verifyRegistration(env, rp, b, answer as RegistrationResponseJSON, '', nowSeconds())).toEqual({ ok: false, reason: 'invalid' });
    const { auth } = await registered();
    expect((await signIn(auth, { origin: 'https://evil.example' })).result).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses another rpId, in registration and in sign-in', async () => {
    const user = await createUser();
    const b = binding();
    const options = await registrationOptions(env, rp, b, { userId: user.id, username: user.username, displayName: 'Ada' }, [], 'preferred', nowSeconds());
    const answer = await new SoftAuthenticator().create(options, { origin: ORIGIN, rpId: 'evil.example' });
    expect(await verifyRegistration(env, rp, b, answer as RegistrationResponseJSON, '', nowSeconds())).toEqual({ ok: false, reason: 'invalid' });
    const { auth } = await registered();
    expect((await signIn(auth, { rpId: 'example.test' })).result).toEqual({ ok: false, reason: 'invalid' });
  });

  it('records a counter going backwards as a suspected clone and refuses the passkey from then on', async () => {
    const { auth, passkey } = await registered();
    expect((await signIn(auth, { counter: 10 })).result.ok).toBe(true);
    expect((await signIn(auth, { counter: 5 })).result).toEqual({ ok: false, reason: 'clone' });
    expect((await passkeys().find(passkey.id))!.suspectedCloneAt).not.toBeNull();
    // Even a higher counter afterwards is refused: the passkey is marked.
    expect((await signIn(auth, { counter: 20 })).result).toEqual({ ok: false, reason: 'invalid' });
  });

  it('does not mark a passkey as cloned for a forged signature', async () => {
    const { auth, passkey } = await registered();
    expect((await signIn(auth, { counter: 10 })).result.ok).toBe(true);
    const options = await authenticationOptions(env, rp, 'interaction:x', 'preferred', nowSeconds());
    const answer = (await auth.get(options, { origin: ORIGIN, counter: 3 })) as AuthenticationResponseJSON;
    const forged = { ...answer, response: { ...answer.response, signature: answer.response.signature.replace(/^.{8}/, 'AAAAAAAA') } };
    expect(await verifyAuthentication(env, rp, 'interaction:x', forged, nowSeconds())).toEqual({ ok: false, reason: 'invalid' });
    expect((await passkeys().find(passkey.id))!.suspectedCloneAt).toBeNull();
  });

  it('refuses an unknown credential and a removed one, with the same answer', async () => {
    const stranger = new SoftAuthenticator();
    await stranger.create({ challenge: 'x', rp: { id: rp.rpId }, user: { id: 'AAAA' } }, { origin: ORIGIN });
    expect((await signIn(stranger)).result).toEqual({ ok: false, reason: 'invalid' });
    const { user, auth, passkey } = await registered();
    expect(await passkeys().delete(user.id, passkey.id)).toBe(true);
    expect((await signIn(auth)).result).toEqual({ ok: false, reason: 'invalid' });
  });

  it('requires user verification when asked to (phr), and reports it otherwise', async () => {
    const { auth } = await registered();
    expect((await signIn(auth, { userVerified: false }, 'required')).result).toEqual({ ok: false, reason: 'invalid' });
    const preferred = (await signIn(auth, { userVerified: false }, 'preferred')).result;
    expect(preferred.ok && preferred.userVerified).toBe(false);
  });

  it('refuses a user handle that is not the credential\'s', async () => {
    const { auth } = await registered();
    const options = await authenticationOptions(env, rp, 'interaction:h', 'preferred', nowSeconds());
    const answer = (await auth.get(options, { origin: ORIGIN })) as AuthenticationResponseJSON;
    answer.response.userHandle = 'b3RoZXI';
    expect(await verifyAuthentication(env, rp, 'interaction:h', answer, nowSeconds())).toEqual({ ok: false, reason: 'invalid' });
  });

  it('answers malformed responses with invalid, never an exception', async () => {
    for (const bad of [{}, { response: {} }, { id: 'x', response: { clientDataJSON: '!!!' } }, { id: 'x', response: { clientDataJSON: 'e30' } }]) {
      expect((await verifyAuthentication(env, rp, 'interaction:m', bad as AuthenticationResponseJSON, nowSeconds())).ok).toBe(false);
      expect((await verifyRegistration(env, rp, 'interaction:m', bad as RegistrationResponseJSON, '', nowSeconds())).ok).toBe(false);
    }
  });

  it('keeps the last passkey when asked to (passwordless accounts)', async () => {
    const { user, passkey } = await registered();
    expect(await passkeys().delete(user.id, passkey.id, true)).toBe(false);
    expect(await passkeys().find(passkey.id)).not.toBeNull();
  });
});
