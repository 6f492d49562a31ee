import { Hono } from 'hono';
import { passwordLogin } from '../../authn/password_login';
import { readSignupForm, signUp } from '../../authn/signup';
import { needsPasskey, scopesNeedingConsent } from '../../authorize/decide';
import { errorResponse, redirect } from '../../authorize/respond';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { AccessDenied } from '../../errors';
import { methodNotAllowed } from '../../http/json_error';
import type { Params } from '../../http/params';
import { sourceIp } from '../../http/source_ip';
import { advance, expired, finish, load, loadForPost, presentation, renderLogin, renderSignup, signedIn } from './core';
import { browserSessions } from '../../session/browser';
import { expectedSubject, subjectForClient } from '../../session/for_request';
import { passkeysEnabled, signupEnabled } from '../../session/config';
import { switchTo } from '../../session/sign_in';
import { saveParked } from '../../session/interaction';
import { ErrorPage } from '../../views/error';
import { offerPasskey, passkeySignInRoutes } from './passkey';
import { renderPage } from '../../views/render';
import { settings } from '../../settings';

/** The sign-in, sign-up, account chooser and consent pages of a parked authorization request. */
export const interaction = new Hono<AppEnv>();

interaction.get('/:id', async (c) => {
  const loaded = await load(c, c.req.param('id'));
  return loaded ? advance(c, loaded) : expired(c);
});

interaction.all('/:id', (c) => methodNotAllowed(c, 'GET'));

/** The sign-in page itself, also when the request would otherwise show sign-up (prompt=create). */
interaction.get('/:id/login', async (c) => {
  const loaded = await load(c, c.req.param('id'));
  return loaded ? renderLogin(c, loaded) : expired(c);
});

const credentialsOf = (form: Params) => ({ login: (form.get('username') ?? '').slice(0, 256), password: form.get('password') ?? '' });

interaction.post('/:id/login', async (c) => {
  // The password is checked (with its throttle) beside the client's lookup, once the CSRF token matched.
  const r = await loadForPost(c, c.req.param('id'), (form) => {
    const { login, password } = credentialsOf(form);
    return login && password ? passwordLogin({ env: c.env, ip: sourceIp(c), now: now(), defer: (work) => c.executionCtx.waitUntil(work) }, login, password) : Promise.resolve(null);
  });
  if (r instanceof Response) return r;
  const { t } = presentation(r.loaded);
  // LOCAL_PASSWORDS=off: no password is accepted, whatever is posted.
  if (!settings(c.env).localPasswords) return renderLogin(c, r.loaded, { error: t('login.invalid'), status: 400 });
  const { login } = credentialsOf(r.form);
  const remember = r.form.get('remember') === '1';
  const result = r.beside;
  if (!result) return renderLogin(c, r.loaded, { error: t('login.missing'), login, remember, status: 400 });
  // acr phr: a password does not satisfy it (only the passkey form is offered); no session is made.
  if (passkeysEnabled(c.env) && needsPasskey(r.loaded.interaction.request)) return renderLogin(c, r.loaded, { error: t('passkey.required', { client: r.loaded.client.name }), status: 400 });
  if (!result.ok) {
    if (result.reason === 'throttled') {
      // RFC 9110 §10.2.3: how long to wait, also stated on the page.
      c.header('Retry-After', String(result.retryAfter));
      return renderLogin(c, r.loaded, { error: t('login.throttled', { seconds: result.retryAfter }), login, remember, status: 429 });
    }
    return renderLogin(c, r.loaded, { error: t('login.invalid'), login, remember, status: 400 });
  }
  // OIDC Core §3.1.2.1 / §5.5.1: when the client named the user (id_token_hint, or a sub value in
  // the claims parameter), only that user's sign-in may continue this request.
  const expected = expectedSubject(r.loaded.interaction.request);
  if (expected !== undefined && expected !== (await subjectForClient(c.env, r.loaded.client, result.user.id))) {
    return renderLogin(c, r.loaded, { error: t('login.otherAccount', { client: r.loaded.client.name }), login, remember, status: 400 });
  }

  // The page's script says whether this browser can create a passkey (passkey_capable=1); only then
  // is one offered, once and skippable (routes/interaction/passkey.tsx), decided beside the sign-in.
  const offer = r.form.get('passkey_capable') === '1' ? offerPasskey(c, result.user) : undefined;
  return signedIn(c, r.loaded, result.user.id, remember, { offer });
});

/** Self-service sign-up (prompt=create, or the link on the sign-in page), unless SIGNUP=off. */
interaction.get('/:id/signup', async (c) => {
  if (!signupEnabled(c.env)) return renderPage(c, <ErrorPage title="Sign-up is not available" detail="New accounts cannot be created here. Ask the service's operator for an account." />, 404);
  const loaded = await load(c, c.req.param('id'));
  return loaded ? renderSignup(c, loaded) : expired(c);
});

interaction.post('/:id/signup', async (c) => {
  if (!signupEnabled(c.env)) return renderPage(c, <ErrorPage title="Sign-up is not available" detail="New accounts cannot be created here. Ask the service's operator for an account." />, 404);
  const r = await loadForPost(c, c.req.param('id'));
  if (r instanceof Response) return r;
  const { t } = presentation(r.loaded);
  const input = readSignupForm(r.form);
  const values = { username: input.username, email: input.email, given_name: input.givenName, family_name: input.familyName };
  const result = await signUp(c.env, input, sourceIp(c));
  if (!result.ok) {
    if (result.retryAfter) c.header('Retry-After', String(result.retryAfter));
    return renderSignup(c, r.loaded, { error: t(result.reason), values, status: result.retryAfter ? 429 : 400 });
  }
  return signedIn(c, r.loaded, result.user.id, false);
});

/** The account chooser (prompt=select_account): one of this browser's sessions, or "new". */
interaction.post('/:id/select', async (c) => {
  const r = await loadForPost(c, c.req.param('id'));
  if (r instanceof Response) return r;
  const { interaction: ia } = r.loaded;
  const choice = r.form.get('account') ?? '';
  if (choice === 'new') {
    await saveParked(c, { ...r.loaded, interaction: { ...ia, selected: 'new' } });
    return redirect(c, `/interaction/${ia.id}`, 303);
  }
  // Only a session of this very browser may be picked: the browser must hold its secret (see
  // session/browser.ts); the sid alone proves nothing.
  const chosen = (await browserSessions(c)).held.find((h) => h.session.sid === choice);
  if (!chosen) return redirect(c, `/interaction/${ia.id}`, 303);
  const { session } = chosen;
  switchTo(c, chosen);
  const loaded = { ...r.loaded, interaction: { ...ia, selected: session.sid } };
  await saveParked(c, loaded);
  return advance(c, loaded, { session, redirectToPages: true });
});

interaction.post('/:id/consent', async (c) => {
  const r = await loadForPost(c, c.req.param('id'));
  if (r instanceof Response) return r;
  const { interaction: ia } = r.loaded;
  if (r.form.get('decision') !== 'allow') {
    return finish(c, r.loaded, errorResponse(ia.request, c.var.issuer, new AccessDenied('the user denied the request'), r.loaded.client));
  }
  return advance(c, r.loaded, {
    consentedHere: true,
    approvedHere: scopesNeedingConsent(ia.request),
  });
});

interaction.post('/:id/abort', async (c) => {
  const r = await loadForPost(c, c.req.param('id'));
  if (r instanceof Response) return r;
  const { interaction: ia } = r.loaded;
  return finish(c, r.loaded, errorResponse(ia.request, c.var.issuer, new AccessDenied('the user cancelled the sign-in'), r.loaded.client));
});

passkeySignInRoutes(interaction);

interaction.all('/:id/:action', (c) => methodNotAllowed(c, 'POST'));

