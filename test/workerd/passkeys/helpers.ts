import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { expect } from 'vitest';
import { registrationOptions, relyingParty, verifyRegistration } from '../../../src/authn/passkeys';
import { PasskeyRepository } from '../../../src/storage/passkeys';
import { type Browser, ISSUER, env, nowSeconds } from '../helpers';
import { SoftAuthenticator } from './authenticator';

/** Registers a passkey for an existing user through the ceremony functions (not a page); returns its authenticator. */
export async function givePasskey(user: { id: string; username: string }, opts: { backupEligible?: boolean } = {}) {
  const auth = new SoftAuthenticator();
  const rp = relyingParty(ISSUER);
  const b = `test:${crypto.randomUUID()}`;
  const options = await registrationOptions(env, rp, b, { userId: user.id, username: user.username, displayName: user.username }, [], 'preferred', nowSeconds());
  const answer = await auth.create(options, { origin: ISSUER, backupEligible: opts.backupEligible });
  const result = await verifyRegistration(env, rp, b, answer as RegistrationResponseJSON, 'Test key', nowSeconds());
  if (!result.ok) throw new Error(result.reason);
  expect(await new PasskeyRepository(env.DB).insert(result.passkey)).toBe(true);
  return { auth, passkey: result.passkey };
}

/** On an interaction page: fetches sign-in options, answers them with the authenticator, posts the answer. */
export async function passkeySignIn(browser: Browser, path: string, csrf: string, auth: SoftAuthenticator, opts: Parameters<SoftAuthenticator['get']>[1] = {}) {
  const o = await browser.post(`${path}/passkey/options`, { csrf });
  expect(o.status).toBe(200);
  const options = (await o.json()) as { challenge: string; rpId: string; userVerification: string; allowCredentials?: unknown[] };
  const answer = await auth.get(options, { origin: ISSUER, ...opts });
  return { options, res: await browser.post(`${path}/passkey`, { csrf, credential: JSON.stringify(answer) }) };
}
