import type { Context, Hono } from 'hono';
import { needsPasskey } from '../../authorize/decide';
import { authenticationOptions, parseCredentialJson, registrationOptions, relyingParty, verifyAuthentication, verifyRegistration } from '../../authn/passkeys';
import { passkeySignupProblem, readSignupForm, signUpWithPasskey } from '../../authn/signup';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { sourceIp } from '../../http/source_ip';
import { passkeysEnabled, signupEnabled } from '../../session/config';
import { expectedSubject, subjectForClient } from '../../session/for_request';
import type { Passkey } from '../../storage/passkeys';
import { LOGIN_IP } from '../../throttle/limits';
import { throttleFor } from '../../throttle/store';
import { advance, expired, load, loadForPost, presentation, renderLogin, renderSignup, scriptNonce, signedIn, type Loaded } from './core';
import { redirect } from '../../authorize/respond';
import { PasskeyRepository } from '../../storage/passkeys';
import { UserRepository, type User } from '../../storage/users';
import { PasskeyOfferPage } from '../../views/passkey_offer';
import { renderPage } from '../../views/render';

/** The challenge of a sign-in page is bound to its interaction. */
export const interactionBinding = (id: string) => `interaction:${id}`;

/** RFC 8176 amr of a passkey sign-in: hwk for a device-bound key, swk for a synced one, user when UV happened. */
export const passkeyAmr = (passkey: Pick<Passkey, 'deviceType'>, userVerified: boolean): string[] => [passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk', ...(userVerified ? ['user'] : [])];

const jsonError = (c: Context<AppEnv>, status: 400 | 403 | 404, description: string) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ error: 'invalid_request', error_description: description }, status);
};

/** Passkey sign-in and sign-up on the interaction pages (registered by routes/interaction/index.tsx before its catch-all). */
export function passkeySignInRoutes(app: Hono<AppEnv>): void {
  /** The offer after a password sign-in (see offerPasskey). Only for the user who signed in during this interaction. */
  app.get('/:id/passkey/offer', async (c) => {
    const loaded = await load(c, c.req.param('id'));
    if (!loaded) return expired(c);
    if (!passkeysEnabled(c.env) || !loaded.interaction.userId) return redirect(c, `/interaction/${loaded.interaction.id}`, 302);
    return renderOffer(c, loaded);
  });

  app.post('/:id/passkey/register/options', async (c) => {
    if (!passkeysEnabled(c.env)) return jsonError(c, 404, 'passkeys are not enabled');
    const r = await loadForPost(c, c.req.param('id'));
    if (r instanceof Response) return jsonError(c, r.status === 403 ? 403 : 400, 'the sign-in request is not valid');
    const userId = r.loaded.interaction.userId;
    const user = userId ? await new UserRepository(c.env.DB).find(userId) : null;
    if (!user) return jsonError(c, 400, 'nobody has signed in during this request');
    const existing = await new PasskeyRepository(c.env.DB).listForUser(user.id);
    const subject = { userId: user.id, username: user.username, displayName: user.claims.name ?? user.username };
    const options = await registrationOptions(c.env, relyingParty(c.var.issuer), interactionBinding(r.loaded.interaction.id), subject, existing, 'preferred', now());
    c.header('Cache-Control', 'no-store');
    return c.json(options);
  });

  /** The offer accepted: the new passkey is stored for the user who signed in, then the request continues. */
  app.post('/:id/passkey/register', async (c) => {
    if (!passkeysEnabled(c.env)) return jsonError(c, 404, 'passkeys are not enabled');
    const r = await loadForPost(c, c.req.param('id'));
    if (r instanceof Response) return r;
    const { t } = presentation(r.loaded);
    const response = parseCredentialJson<RegistrationResponseJSON>(r.form.get('credential'));
    const result = response ? await verifyRegistration(c.env, relyingParty(c.var.issuer), interactionBinding(r.loaded.interaction.id), response, '', now()) : null;
    const ok = result?.ok && result.passkey.userId === r.loaded.interaction.userId && (await new PasskeyRepository(c.env.DB).insert(result.passkey));
    if (!ok) return renderOffer(c, r.loaded, t('passkey.failed'));
    return advance(c, r.loaded, { redirectToPages: true });
  });

  app.post('/:id/passkey/skip', async (c) => {
    const r = await loadForPost(c, c.req.param('id'));
    if (r instanceof Response) return r;
    return advance(c, r.loaded, { redirectToPages: true });
  });

  /**
   * Passwordless sign-up, step 1: the form's fields are checked (not whether the names are free:
   * that answer comes with the account creation, throttled), and creation options are issued for a
   * new user id, named in the challenge bound to this interaction.
   */
  app.post('/:id/signup/passkey/options', async (c) => {
    if (!passkeysEnabled(c.env) || !signupEnabled(c.env)) return jsonError(c, 404, 'passkey sign-up is not enabled');
    const r = await loadForPost(c, c.req.param('id'));
    if (r instanceof Response) return jsonError(c, r.status === 403 ? 403 : 400, 'the sign-up request is not valid');
    const input = readSignupForm(r.form);
    const problem = passkeySignupProblem(input);
    if (problem) return jsonError(c, 400, presentation(r.loaded).t(problem));
    const subject = { userId: crypto.randomUUID(), username: input.username, displayName: `${input.givenName} ${input.familyName}` };
    const options = await registrationOptions(c.env, relyingParty(c.var.issuer), interactionBinding(r.loaded.interaction.id), subject, [], 'preferred', now());
    c.header('Cache-Control', 'no-store');
    return c.json(options);
  });

  /** Passwordless sign-up, step 2: the answer of navigator.credentials.create() with the form. */
  app.post('/:id/signup/passkey', async (c) => {
    if (!passkeysEnabled(c.env) || !signupEnabled(c.env)) return jsonError(c, 404, 'passkey sign-up is not enabled');
    const r = await loadForPost(c, c.req.param('id'));
    if (r instanceof Response) return r;
    const { t } = presentation(r.loaded);
    const input = readSignupForm(r.form);
    const values = { username: input.username, email: input.email, given_name: input.givenName, family_name: input.familyName };
    const problem = passkeySignupProblem(input);
    if (problem) return renderSignup(c, r.loaded, { error: t(problem), values, status: 400 });
    const response = parseCredentialJson<RegistrationResponseJSON>(r.form.get('credential'));
    const registered = response ? await verifyRegistration(c.env, relyingParty(c.var.issuer), interactionBinding(r.loaded.interaction.id), response, '', now()) : null;
    if (!registered?.ok) return renderSignup(c, r.loaded, { error: t('passkey.failed'), values, status: 400 });
    const result = await signUpWithPasskey(c.env, input, sourceIp(c), registered.passkey);
    if (!result.ok) {
      if (result.retryAfter) c.header('Retry-After', String(result.retryAfter));
      return renderSignup(c, r.loaded, { error: t(result.reason), values, status: result.retryAfter ? 429 : 400 });
    }
    return signedIn(c, r.loaded, result.user.id, false, { amr: passkeyAmr(registered.passkey, registered.userVerified) });
  });

  /**
   * Options for navigator.credentials.get() (discoverable credentials: no username, so nothing
   * here says whether an account exists). POST with the page's CSRF token: it stores a challenge.
   * User verification is required for acr phr, preferred otherwise.
   */
  app.post('/:id/passkey/options', async (c) => {
    if (!passkeysEnabled(c.env)) return jsonError(c, 404, 'passkeys are not enabled');
    const r = await loadForPost(c, c.req.param('id'));
    if (r instanceof Response) return jsonError(c, r.status === 403 ? 403 : 400, 'the sign-in request is not valid');
    const uv = needsPasskey(r.loaded.interaction.request) ? 'required' : 'preferred';
    const options = await authenticationOptions(c.env, relyingParty(c.var.issuer), interactionBinding(r.loaded.interaction.id), uv, now());
    c.header('Cache-Control', 'no-store');
    return c.json(options);
  });

  /** The answer of navigator.credentials.get(), posted by the page's script in `credential`. */
  app.post('/:id/passkey', async (c) => {
    if (!passkeysEnabled(c.env)) return jsonError(c, 404, 'passkeys are not enabled');
    const r = await loadForPost(c, c.req.param('id'));
    if (r instanceof Response) return r;
    const { t } = presentation(r.loaded);
    const response = parseCredentialJson<AuthenticationResponseJSON>(r.form.get('credential'));
    if (!response) return renderLogin(c, r.loaded, { error: t('passkey.failed'), status: 400 });
    // Throttled like the password path: the attempt is reserved in the source IP's budget across
    // accounts (limits.ts LOGIN_IP) before anything is verified, and given back on success.
    const at = now();
    const throttle = throttleFor(c.env, `login:${sourceIp(c)}`);
    const rules = [{ key: 'ip', policy: LOGIN_IP }];
    const reserved = await throttle.take(at, rules);
    if (!reserved.allowed) {
      c.header('Retry-After', String(reserved.retryAfter));
      return renderLogin(c, r.loaded, { error: t('login.throttled', { seconds: reserved.retryAfter }), status: 429 });
    }
    const result = await verifyAuthentication(c.env, relyingParty(c.var.issuer), interactionBinding(r.loaded.interaction.id), response, at);
    // One answer for every failure: unknown, removed or cloned passkey, bad signature, stale challenge.
    if (!result.ok) return renderLogin(c, r.loaded, { error: t('passkey.invalid'), status: 400 });
    c.executionCtx.waitUntil(throttle.release(at, rules));
    // acr phr: user verification was required by the challenge; checked again here.
    if (needsPasskey(r.loaded.interaction.request) && !result.userVerified) return renderLogin(c, r.loaded, { error: t('passkey.invalid'), status: 400 });
    const expected = expectedSubject(r.loaded.interaction.request);
    if (expected !== undefined && expected !== (await subjectForClient(c.env, r.loaded.client, result.user.id))) {
      return renderLogin(c, r.loaded, { error: t('login.otherAccount', { client: r.loaded.client.name }), status: 400 });
    }
    return signedIn(c, r.loaded, result.user.id, false, { amr: passkeyAmr(result.passkey, result.userVerified) });
  });
}

/** How long "Add a passkey?" is not offered again once shown (seconds). */
export const PASSKEY_OFFER_INTERVAL = 30 * 86_400;

/**
 * After a password sign-in: whether to offer adding a passkey now. Only when passkeys are on, the
 * user has none, and the offer was not shown in the last PASSKEY_OFFER_INTERVAL; showing it
 * postpones the next one (asked once, skippable).
 */
export async function offerPasskey(c: Context<AppEnv>, user: User): Promise<boolean> {
  const at = now();
  if (!passkeysEnabled(c.env) || (user.passkeyPromptAfter ?? 0) > at) return false;
  if (await new PasskeyRepository(c.env.DB).hasAny(user.id)) return false;
  await new UserRepository(c.env.DB).postponePasskeyPrompt(user.id, at + PASSKEY_OFFER_INTERVAL);
  return true;
}

function renderOffer(c: Context<AppEnv>, l: Loaded, error?: string): Response {
  const base = `/interaction/${l.interaction.id}`;
  return renderPage(
    c,
    <PasskeyOfferPage
      {...presentation(l)}
      optionsUrl={`${base}/passkey/register/options`}
      action={`${base}/passkey/register`}
      skipAction={`${base}/passkey/skip`}
      csrf={l.csrf}
      nonce={scriptNonce(c)}
      error={error}
    />,
    error ? 400 : 200,
  );
}
