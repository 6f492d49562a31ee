import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { randomToken } from '../crypto/random';
import type { Bindings } from '../env';
import { PasskeyRepository, WebAuthnChallengeRepository, type Passkey } from '../storage/passkeys';
import { UserRepository, type User } from '../storage/users';

/**
 * WebAuthn ceremonies (W3C WebAuthn Level 3 §7) on top of @simplewebauthn/server, which parses the
 * CBOR/COSE and checks signatures. What is ours: challenges (random, single use, short-lived,
 * bound to the pending interaction or session, stored in D1 and consumed by DELETE ... RETURNING),
 * the relying party (rpId = issuer host, origin = issuer origin), the signature counter rule and
 * the credential records.
 */

/** How long a challenge may be answered (seconds). */
export const CHALLENGE_TTL = 300;

export type UserVerification = 'preferred' | 'required';

export interface RelyingParty {
  /** §5.1.4.1 / §13.4.9: the issuer's host (no port). */
  rpId: string;
  /** The only origin accepted in clientDataJSON (§7.1 step 9, §7.2 step 13). */
  origin: string;
  name: string;
}

export function relyingParty(issuer: string): RelyingParty {
  const url = new URL(issuer);
  return { rpId: url.hostname, origin: url.origin, name: url.hostname };
}

const randomChallenge = () => randomToken(32);

/** The challenge a response answers (from its clientDataJSON), or null when the response is malformed. */
function answeredChallenge(response: { response?: { clientDataJSON?: unknown } }): string | null {
  try {
    const cdj = response.response?.clientDataJSON;
    if (typeof cdj !== 'string' || cdj.length > 4096) return null;
    const challenge = decodeClientDataJSON(cdj).challenge;
    return typeof challenge === 'string' && challenge.length <= 128 ? challenge : null;
  } catch {
    return null;
  }
}

/** Parses the JSON the browser posted (a PublicKeyCredential's toJSON()), or null. */
export function parseCredentialJson<T>(raw: string | undefined): T | null {
  if (!raw || raw.length > 16_384) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : null;
  } catch {
    return null;
  }
}

export interface RegistrationSubject {
  /** The user's id (our `sub`), existing or to be created. */
  userId: string;
  username: string;
  displayName: string;
}

/**
 * Options for navigator.credentials.create(): a discoverable credential (resident key required, so
 * it signs in without a username), attestation `none`, the user's existing passkeys excluded.
 */
export async function registrationOptions(
  env: Bindings,
  rp: RelyingParty,
  binding: string,
  subject: RegistrationSubject,
  existing: Passkey[],
  userVerification: UserVerification,
  at: number,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const challenge = randomChallenge();
  // The WebAuthn user handle is random per registration subject, never the sub (§14.6.1); a user
  // keeps the handle of their first passkey so authenticators group the user's credentials.
  const userHandle = existing[0]?.userHandle ?? randomToken(32);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.rpId,
    userName: subject.username,
    userDisplayName: subject.displayName,
    userID: isoBase64URL.toBuffer(userHandle),
    challenge: isoBase64URL.toBuffer(challenge),
    timeout: CHALLENGE_TTL * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransport[] })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification },
  });
  await new WebAuthnChallengeRepository(env.DB).insert({
    challenge,
    binding,
    purpose: 'register',
    userId: subject.userId,
    userHandle,
    userVerification,
    expiresAt: at + CHALLENGE_TTL,
  });
  return options;
}

export type RegistrationResult =
  | { ok: true; passkey: Passkey; userVerified: boolean }
  | { ok: false; reason: 'invalid' | 'expired' };

/**
 * Verifies navigator.credentials.create()'s answer (§7.1) for a challenge issued to `binding`, and
 * returns the passkey to store (the caller stores it, with the user when the account is new).
 */
export async function verifyRegistration(
  env: Bindings,
  rp: RelyingParty,
  binding: string,
  response: RegistrationResponseJSON,
  name: string,
  at: number,
): Promise<RegistrationResult> {
  const challenge = answeredChallenge(response);
  if (!challenge) return { ok: false, reason: 'invalid' };
  const issued = await new WebAuthnChallengeRepository(env.DB).consume(challenge, binding, 'register', at);
  if (!issued || !issued.userId || !issued.userHandle) return { ok: false, reason: 'expired' };
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: issued.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: issued.userVerification === 'required',
    });
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!verified.verified) return { ok: false, reason: 'invalid' };
  const info = verified.registrationInfo;
  const passkey: Passkey = {
    id: info.credential.id,
    userId: issued.userId,
    userHandle: issued.userHandle,
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name: name.trim().slice(0, 64) || defaultName(info.credentialDeviceType),
    createdAt: at,
    lastUsedAt: null,
    suspectedCloneAt: null,
  };
  return { ok: true, passkey, userVerified: info.userVerified };
}

const defaultName = (deviceType: Passkey['deviceType']) => (deviceType === 'multiDevice' ? 'Synced passkey' : 'Security key');

/** Options for navigator.credentials.get(): no allowCredentials, so any discoverable passkey of ours (no username). */
export async function authenticationOptions(env: Bindings, rp: RelyingParty, binding: string, userVerification: UserVerification, at: number): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const challenge = randomChallenge();
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    challenge: isoBase64URL.toBuffer(challenge),
    timeout: CHALLENGE_TTL * 1000,
    userVerification,
    allowCredentials: [],
  });
  await new WebAuthnChallengeRepository(env.DB).insert({ challenge, binding, purpose: 'authenticate', userId: null, userHandle: null, userVerification, expiresAt: at + CHALLENGE_TTL });
  return options;
}

export type AuthenticationResult =
  | { ok: true; user: User; passkey: Passkey; userVerified: boolean }
  | { ok: false; reason: 'invalid' | 'expired' | 'clone' };

/**
 * Verifies navigator.credentials.get()'s answer (§7.2) for a challenge issued to `binding`. Every
 * failure after the challenge says only "invalid" to the browser (no enumeration of credentials).
 * A signature counter that does not grow (§6.1.1, §7.2 step 21) marks the passkey as a suspected
 * clone and refuses it, now and later.
 */
export async function verifyAuthentication(env: Bindings, rp: RelyingParty, binding: string, response: AuthenticationResponseJSON, at: number): Promise<AuthenticationResult> {
  const challenge = answeredChallenge(response);
  if (!challenge || typeof response.id !== 'string' || response.id.length > 1024) return { ok: false, reason: 'invalid' };
  const passkeys = new PasskeyRepository(env.DB);
  const [issued, passkey] = await Promise.all([new WebAuthnChallengeRepository(env.DB).consume(challenge, binding, 'authenticate', at), passkeys.find(response.id)]);
  if (!issued) return { ok: false, reason: 'expired' };
  if (!passkey || passkey.suspectedCloneAt !== null) return { ok: false, reason: 'invalid' };
  // §7.2 step 6: the user handle returned, when there is one, must be the credential's.
  if (response.response?.userHandle && response.response.userHandle !== passkey.userHandle) return { ok: false, reason: 'invalid' };
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: issued.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: issued.userVerification === 'required',
      // The counter is checked below, after the signature, so a forged response cannot mark a passkey as cloned.
      credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: 0, transports: passkey.transports as AuthenticatorTransport[] },
    });
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!verified.verified) return { ok: false, reason: 'invalid' };
  const info = verified.authenticationInfo;
  if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter) {
    await passkeys.markSuspectedClone(passkey.id, at);
    return { ok: false, reason: 'clone' };
  }
  const [recorded, user] = await Promise.all([passkeys.recordUse(passkey.id, passkey.counter, info.newCounter, info.credentialBackedUp, at), new UserRepository(env.DB).find(passkey.userId)]);
  // Not recorded: another use of the same counter value won the race (a replay or a clone), or the passkey was just removed.
  if (!recorded || !user || user.disabledAt) return { ok: false, reason: 'invalid' };
  return { ok: true, user, passkey: { ...passkey, counter: info.newCounter, backedUp: info.credentialBackedUp, lastUsedAt: at }, userVerified: info.userVerified };
}
