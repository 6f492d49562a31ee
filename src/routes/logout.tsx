import { Hono, type Context } from 'hono';
import { redirect, withResponseParams } from '../authorize/respond';
import { timingSafeEqual } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { AppEnv } from '../env';
import { OAuthError } from '../errors';
import { clearOpCookie, clearSessionCookie, readOpCookie, readSessionCookie, setOpCookie } from '../http/cookies';
import { methodNotAllowed } from '../http/json_error';
import { formParams, queryParams, type Params } from '../http/params';
import { pickLocale, translator } from '../messages';
import { now } from '../config';
import { pageDb, rememberWrites } from '../session/consistency';
import { browserSessions, browserSessionsChanged } from '../session/browser';
import { subjectForClient } from '../session/for_request';
import { decideLogout } from '../logout/decide';
import { endSession, type FrontChannelFrame } from '../logout/end_session';
import { UntrustedLogoutRequest, parseLogoutRequest, type LogoutRequest } from '../logout/request';
import { ClientRepository } from '../storage/clients';
import type { Session } from '../storage/sessions';
import { ErrorPage } from '../views/error';
import { LoggedOutPage, LogoutConfirmPage, StayedSignedInPage } from '../views/logout';
import { renderPage } from '../views/render';
import { readFormOr400 } from './form';
import { UpstreamRepository } from '../storage/upstreams';
import { upstreamLogoutUrl } from '../upstream/end_session';

/** RP-Initiated Logout 1.0: the end_session_endpoint, GET and POST (§2), with a confirmation page. */
export const logout = new Hono<AppEnv>();

const CSRF_COOKIE = 'op_logout';

const invalid = (c: Context<AppEnv>, detail: string) => renderPage(c, <ErrorPage title="Sign-out request not valid" detail={detail} />, 400);

async function readParams(c: Context<AppEnv>): Promise<Params> {
  return c.req.method === 'GET' ? queryParams(c.req.url) : formParams(c.req.raw);
}

/** Ends the session, then shows the logged-out page (front-channel iframes) or returns to the client. */
async function complete(c: Context<AppEnv>, req: LogoutRequest, session: Session | null, mayRedirect: boolean): Promise<Response> {
  let frames: FrontChannelFrame[] = [];
  // A session that came from an upstream provider (issue 11): read before the session (and this row) goes.
  const fromUpstream = session ? new UpstreamRepository(c.env.DB).sessionOf(session.sid) : Promise.resolve(null);
  fromUpstream.catch(() => {});
  if (session) {
    const { current } = await browserSessions(c);
    frames = (await endSession(c.env, session, c.var.issuer, pageDb(c))).frames;
    // This browser's next pages read at least this far: the ended session stays ended for them.
    rememberWrites(c);
    browserSessionsChanged(c);
    if (!current || current.sid === session.sid) clearSessionCookie(c);
  }
  const lang = pickLocale(req.uiLocales);
  // RP-Initiated Logout 1.0 §3: redirect only to a registered URI, with the client's state.
  const returnTo = req.postLogoutRedirectUri && mayRedirect ? withResponseParams(req.postLogoutRedirectUri, { state: req.state }) : undefined;
  // The upstream's session ends too when it is configured so (its end_session_endpoint, then back here).
  const upstreamSession = await fromUpstream;
  if (upstreamSession) {
    const url = await upstreamLogoutUrl(c.env, c.var.issuer, upstreamSession, { returnTo, frames, clientName: req.client?.name, lang });
    if (url) return redirect(c, url, 303);
  }
  if (returnTo && frames.length === 0) return redirect(c, returnTo, 303);
  c.set('frameSrc', [...new Set(frames.map((f) => new URL(f.url).origin))]);
  return renderPage(c, <LoggedOutPage lang={lang} t={translator(lang)} frames={frames} returnTo={returnTo} clientName={req.client?.name} />);
}

/**
 * The session a logout is about: the one named by `sid` (the hint's, or the confirmation form's)
 * when it is signed in to this browser (several accounts may be: the browser must hold its secret),
 * else the current one. Another browser's session is never the target, whatever sid is named.
 */
async function targetSession(c: Context<AppEnv>, sid: string | undefined): Promise<Session | null> {
  const { current, held } = await browserSessions(c);
  if (sid === undefined || sid === current?.sid) return current;
  return held.find((h) => h.session.sid === sid)?.session ?? current;
}

logout.on(['GET', 'POST'], '/', async (c) => {
  let req: LogoutRequest;
  try {
    const params = await readParams(c);
    // A cross-site form POST does not carry our SameSite=Lax session cookie: the same request as a
    // top-level GET navigation does, so the browser is sent there before anything is decided.
    if (c.req.method === 'POST' && !readSessionCookie(c)) return redirect(c, `/logout?${new URLSearchParams([...params]).toString()}`, 303);
    // The browser's sessions are read while the request (and its client) is checked: independent.
    browserSessions(c).catch(() => {});
    req = await parseLogoutRequest(c.env, params, c.var.issuer, new ClientRepository(c.env.DB));
  } catch (err) {
    if (err instanceof UntrustedLogoutRequest || err instanceof OAuthError) return invalid(c, err instanceof OAuthError ? err.description : err.message);
    throw err;
  }
  const session = await targetSession(c, req.hint?.sid);
  // The hint carries the sub its client sees (pairwise clients their own, OIDC Core §8).
  const sessionSubject = session ? (req.client ? await subjectForClient(c.env, req.client, session.userId) : session.userId) : null;
  const next = decideLogout(req, session, sessionSubject);
  // Nothing to end: the RP's user is signed out already; the logged-out page, or back to the client.
  if (next.step === 'nothing') return complete(c, req, null, next.returnToClient);
  if (next.step === 'end') return complete(c, req, session, true);
  if (!session) return complete(c, req, null, false); // (not reached: 'confirm' always has a session)

  const csrf = randomToken(32);
  setOpCookie(c, CSRF_COOKIE, csrf, { sameSite: 'Strict', maxAge: 600 });
  const lang = pickLocale(req.uiLocales);
  return renderPage(
    c,
    <LogoutConfirmPage
      lang={lang}
      t={translator(lang)}
      action="/logout/confirm"
      csrf={csrf}
      clientName={req.client?.name}
      remembered={session.remembered ?? false}
      hidden={{ client_id: req.client?.id, post_logout_redirect_uri: req.postLogoutRedirectUri, state: req.state, ui_locales: req.uiLocales, sid: session.sid }}
    />,
  );
});

logout.all('/', (c) => methodNotAllowed(c, 'GET, POST'));

/** The confirmation form: CSRF-checked (double submit), and the request is validated again. */
logout.post('/confirm', async (c) => {
  const form = await readFormOr400(c, 'Sign-out request not valid');
  if (form instanceof Response) return form;
  const cookie = readOpCookie(c, CSRF_COOKIE);
  if (!cookie || !(await timingSafeEqual(form.get('csrf') ?? '', cookie))) {
    return renderPage(c, <ErrorPage title="Invalid request" detail="The form was not submitted from this sign-out page." />, 403);
  }
  clearOpCookie(c, CSRF_COOKIE, 'Strict');
  const params: Params = new Map([...form].filter(([k]) => ['client_id', 'post_logout_redirect_uri', 'state', 'ui_locales'].includes(k)));
  let req: LogoutRequest;
  try {
    req = await parseLogoutRequest(c.env, params, c.var.issuer, new ClientRepository(c.env.DB));
  } catch (err) {
    if (err instanceof UntrustedLogoutRequest) return invalid(c, err.message);
    throw err;
  }
  const lang = pickLocale(req.uiLocales);
  if (form.get('decision') !== 'logout') return renderPage(c, <StayedSignedInPage lang={lang} t={translator(lang)} />);
  // The user confirmed: the registered post_logout_redirect_uri may now be used.
  return complete(c, req, await targetSession(c, form.get('sid')), true);
});

logout.all('/confirm', (c) => methodNotAllowed(c, 'POST'));
