import { Hono, type Context } from 'hono';
import { passwordLogin } from '../authn/password_login';
import { decideNextStep } from '../authorize/decide';
import { errorLocation, issueCode, redirect } from '../authorize/respond';
import { lifetimes, now } from '../config';
import { sha256Base64url, timingSafeEqual } from '../crypto/hash';
import type { AppEnv } from '../env';
import { AccessDenied, OAuthError } from '../errors';
import { clearInteractionCookie, readInteractionCookie, readSessionCookie, setSessionCookie } from '../http/cookies';
import { formParams, type Params } from '../http/params';
import { methodNotAllowed } from '../http/json_error';
import { currentSession } from '../http/session';
import { ClientRepository, type Client } from '../storage/clients';
import { ConsentRepository } from '../storage/consents';
import { InteractionRepository, type Interaction } from '../storage/interactions';
import { SessionRepository, type Session } from '../storage/sessions';
import { UserRepository } from '../storage/users';
import { ConsentPage } from '../views/consent';
import { ErrorPage } from '../views/error';
import { LoginPage } from '../views/login';
import { renderPage } from '../views/render';

/** The sign-in and consent pages of a parked authorization request. */
export const interaction = new Hono<AppEnv>();

const expired = (c: Context<AppEnv>) =>
  renderPage(c, <ErrorPage title="This sign-in has expired" detail="The sign-in request is no longer valid. Go back to the application and start again." />, 400);

interface Loaded {
  interaction: Interaction;
  client: Client;
  csrf: string;
}

/** Loads the interaction and checks that this browser started it (its CSRF cookie matches the stored hash). */
async function load(c: Context<AppEnv>, id: string): Promise<Loaded | null> {
  const csrf = readInteractionCookie(c);
  if (!csrf || id.length > 64) return null;
  const found = await new InteractionRepository(c.env.DB).find(id, now());
  if (!found || !(await timingSafeEqual(await sha256Base64url(csrf), found.csrfHash))) return null;
  const client = await new ClientRepository(c.env.DB).find(found.clientId);
  return client ? { interaction: found, client, csrf } : null;
}

/** Every POST must carry the form's CSRF token, equal to the interaction cookie. */
async function loadForPost(c: Context<AppEnv>, id: string): Promise<{ loaded: Loaded; form: Params } | Response> {
  let form: Params;
  try {
    form = await formParams(c.req.raw);
  } catch (err) {
    return renderPage(c, <ErrorPage title="Invalid request" detail={err instanceof OAuthError ? err.description : 'The form could not be read.'} />, 400);
  }
  const loaded = await load(c, id);
  if (!loaded) return expired(c);
  if (!(await timingSafeEqual(form.get('csrf') ?? '', loaded.csrf))) {
    return renderPage(c, <ErrorPage title="Invalid request" detail="The form was not submitted from this sign-in page." />, 403);
  }
  return { loaded, form };
}

interface AdvanceOptions {
  consentedHere?: boolean;
  error?: string;
  login?: string;
  status?: 200 | 400 | 429;
  /** The session just created by this request (its cookie is not in the request yet). */
  session?: Session;
  /** After a successful POST, pages are reached by a 303 (post/redirect/get), not rendered inline. */
  redirectToPages?: boolean;
  /** Runs only when the request is about to be answered with a code (records the consent given here). */
  beforeIssue?: (session: Session) => Promise<void>;
}

/** Works out the next step and answers with it: a page, or the redirect back to the client. */
async function advance(c: Context<AppEnv>, l: Loaded, opts: AdvanceOptions = {}) {
  const { interaction: ia, client } = l;
  const session = opts.session ?? (await currentSession(c));
  const consented = session ? await new ConsentRepository(c.env.DB).grantedScopes(session.userId, client.id) : new Set<string>();
  const next = decideNextStep({
    request: ia.request,
    client,
    session,
    consentedScopes: consented,
    authenticatedHere: session !== null && ia.userId === session.userId && ia.authenticatedAt !== null && session.authTime >= ia.authenticatedAt,
    consentedHere: opts.consentedHere ?? false,
    now: now(),
  });
  const base = `/interaction/${ia.id}`;
  if (opts.redirectToPages && (next.step === 'login' || next.step === 'consent')) return redirect(c, base, 303);
  switch (next.step) {
    case 'login':
      return renderPage(
        c,
        <LoginPage clientName={client.name} action={`${base}/login`} cancelAction={`${base}/abort`} csrf={l.csrf} login={opts.login ?? ia.request.loginHint} error={opts.error} />,
        opts.status ?? 200,
      );
    case 'consent': {
      const user = await new UserRepository(c.env.DB).find(session!.userId);
      return renderPage(c, <ConsentPage clientName={client.name} username={user?.username ?? ''} scopes={next.scopes} action={`${base}/consent`} csrf={l.csrf} />);
    }
    case 'error':
      return finish(c, ia, errorLocation(ia.request.redirectUri, ia.request.state, c.var.issuer, next.error));
    case 'issue':
      await opts.beforeIssue?.(next.session);
      return finish(c, ia, await issueCode(c.env, ia.request, next.session, c.var.issuer));
  }
}

async function finish(c: Context<AppEnv>, ia: Interaction, location: string): Promise<Response> {
  await new InteractionRepository(c.env.DB).delete(ia.id);
  clearInteractionCookie(c, ia.id);
  return redirect(c, location, c.req.method === 'POST' ? 303 : 302);
}

interaction.get('/:id', async (c) => {
  const loaded = await load(c, c.req.param('id'));
  return loaded ? advance(c, loaded) : expired(c);
});

interaction.all('/:id', (c) => methodNotAllowed(c, 'GET'));

interaction.post('/:id/login', async (c) => {
  const r = await loadForPost(c, c.req.param('id'));
  if (r instanceof Response) return r;
  const login = (r.form.get('username') ?? '').slice(0, 256);
  const password = r.form.get('password') ?? '';
  if (!login || !password) return advance(c, r.loaded, { error: 'Enter your username or email and your password.', login, status: 400 });

  const ip = c.req.header('CF-Connecting-IP') ?? 'unknown';
  const result = await passwordLogin(c.env, login, password, ip, now());
  if (!result.ok) {
    if (result.reason === 'throttled') {
      c.header('Retry-After', String(result.retryAfter));
      const minutes = Math.ceil(result.retryAfter / 60);
      return advance(c, r.loaded, { error: `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, login, status: 429 });
    }
    return advance(c, r.loaded, { error: 'The username or password is incorrect.', login, status: 400 });
  }

  // A fresh session on every sign-in (no session fixation); the previous one, if any, ends.
  const sessions = new SessionRepository(c.env.DB);
  const previous = readSessionCookie(c);
  if (previous) await sessions.deleteByCookie(previous);
  const authTime = now();
  const ttl = lifetimes(c.env).session;
  const { cookie, session } = await sessions.create(result.user.id, authTime, authTime + ttl);
  await new InteractionRepository(c.env.DB).markAuthenticated(r.loaded.interaction.id, result.user.id, authTime);
  setSessionCookie(c, cookie, ttl);
  const ia = { ...r.loaded.interaction, userId: result.user.id, authenticatedAt: authTime };
  return advance(c, { ...r.loaded, interaction: ia }, { session, redirectToPages: true });
});

interaction.post('/:id/consent', async (c) => {
  const r = await loadForPost(c, c.req.param('id'));
  if (r instanceof Response) return r;
  const { interaction: ia } = r.loaded;
  if (r.form.get('decision') !== 'allow') {
    return finish(c, ia, errorLocation(ia.request.redirectUri, ia.request.state, c.var.issuer, new AccessDenied('the user denied the request')));
  }
  return advance(c, r.loaded, {
    consentedHere: true,
    beforeIssue: (session) => new ConsentRepository(c.env.DB).remember(session.userId, ia.clientId, ia.request.scopes, now()),
  });
});

interaction.post('/:id/abort', async (c) => {
  const r = await loadForPost(c, c.req.param('id'));
  if (r instanceof Response) return r;
  const { interaction: ia } = r.loaded;
  return finish(c, ia, errorLocation(ia.request.redirectUri, ia.request.state, c.var.issuer, new AccessDenied('the user cancelled the sign-in')));
});

interaction.all('/:id/:action', (c) => methodNotAllowed(c, 'POST'));
