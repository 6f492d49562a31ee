import { Hono, type Context } from 'hono';
import { decideNextStep } from '../authorize/decide';
import type { AuthorizationRequest } from '../authorize/request';
import { consumePushedRequest, isPushedRequestUri, readPushedRequest } from '../authorize/par';
import { errorResponseMode } from '../authorize/check_response_type';
import { errorResponse, issueAuthorizationResponse, redirect } from '../authorize/respond';
import { newAuthorizeContext, trustClientAndRedirectUri, validateAuthorizationRequest } from '../authorize/validate';
import { lifetimes, now } from '../config';
import type { AppEnv } from '../env';
import { InvalidRequest, OAuthError, UntrustedRedirectError } from '../errors';
import { readSessionCookie } from '../http/cookies';
import { methodNotAllowed } from '../http/json_error';
import { sourceIp } from '../http/source_ip';
import { parseFormEncoded, rawQuery, readFormBody, valuesOf, type Params } from '../http/params';
import { browserSessions, consentFor } from '../session/browser';
import { pageDb, rememberWrites } from '../session/consistency';
import { park } from '../session/interaction';
import { signupEnabled } from '../session/config';
import { settings } from '../settings';
import { sessionForRequest, subjectForClient } from '../session/for_request';
import { ClientRepository, type Client } from '../storage/clients';
import { INTERACTION_IP } from '../throttle/limits';
import { throttleFor } from '../throttle/store';
import { ErrorPage } from '../views/error';
import { sendAuthorizationResponse } from './authorization_response';
import { renderPage } from '../views/render';
import { startPath } from '../upstream/config';
import { upstreams } from '../upstream/registry';

/** OIDC Core §3.1.2.1: the authorization endpoint MUST support GET and POST. */
export const authorize = new Hono<AppEnv>();

/** Longest POST body replayed as a GET query (well under the platform's URL limit). */
const MAX_REPLAY_QUERY = 8000;

const errorPage = (c: Context<AppEnv>, title: string, detail: string) => renderPage(c, <ErrorPage title={title} detail={detail} />, 400);

authorize.on(['GET', 'POST'], '/', async (c) => {
  let raw: string;
  try {
    raw = c.req.method === 'GET' ? rawQuery(c.req.url) : await readFormBody(c.req.raw);
  } catch (err) {
    return errorPage(c, 'Invalid request', err instanceof OAuthError ? err.description : 'The request could not be read.');
  }
  let params: Params;
  try {
    params = parseFormEncoded(raw);
  } catch (err) {
    if (err instanceof OAuthError) return malformed(c, raw, err);
    throw err;
  }
  const clients = new ClientRepository(c.env.DB);
  let pushed = false;
  let pushedId: string | undefined;
  const requestUri = params.get('request_uri');
  if (requestUri !== undefined && isPushedRequestUri(requestUri)) {
    // RFC 9126 §4: client_id and the request_uri from /par; the pushed parameters, and only them, are
    // the request. Read alongside the client; used up when the response is issued (par.ts).
    const clientId = params.get('client_id');
    if (!clientId) return errorPage(c, 'Invalid request', 'The request did not say which application sent you here (client_id is missing).');
    const [client, found] = await Promise.all([
      clients.findCached(clientId),
      readPushedRequest(c.env, clientId, requestUri).catch((err: unknown) => (err instanceof OAuthError ? err : Promise.reject(err))),
    ]);
    if (!client) return errorPage(c, 'Unknown application', 'The application that sent you here is not registered with this sign-in service.');
    if (found instanceof OAuthError) return errorPage(c, 'Invalid request', `${found.description}. Go back to the application and start again.`);
    params = found.params;
    pushedId = found.id;
    pushed = true;
  }
  // With a session cookie, the browser's sessions (and their consent for the named client) are read
  // while the request is validated: independent reads, one round trip. Nothing is decided from them
  // until the client and redirect_uri are trusted.
  // Without one, the request will most likely park an interaction: its reservation in the creation
  // throttle starts now too, and is given back if none is parked.
  const clientId = params.get('client_id');
  if (readSessionCookie(c) && clientId) browserSessions(c, clientId).catch(() => {});
  const early = readSessionCookie(c) ? null : reserveInteraction(c);
  const ctx = newAuthorizeContext(params, { signupEnabled: signupEnabled(c.env), env: c.env, issuer: c.var.issuer, pushed, requireParEverywhere: settings(c.env).requirePar });
  try {
    const request = await validateAuthorizationRequest(ctx, clients);
    if (pushedId) request.pushedId = pushedId;
    return await proceed(c, request, ctx.client!, params, early, pushed);
  } catch (err) {
    early?.giveBack();
    if (pushedId && err instanceof OAuthError && ctx.redirectUri) c.executionCtx.waitUntil(consumePushedRequest(c.env, pushedId).catch(() => {}));
    if (err instanceof UntrustedRedirectError) return errorPage(c, err.title, err.detail);
    if (err instanceof OAuthError && ctx.redirectUri) return sendAuthorizationResponse(c, errorResponse({ redirectUri: ctx.redirectUri, state: ctx.state, responseMode: errorResponseMode(ctx) }, c.var.issuer, err, ctx.client!));
    throw err;
  }
});

authorize.all('/', (c) => methodNotAllowed(c, 'GET, POST'));

/**
 * A request that does not parse strictly (a repeated parameter, bad percent-encoding). RFC 6749
 * §4.1.2.1: once client_id and redirect_uri are trustworthy, even this goes back to the client, so
 * they (and state, when unambiguous) are read leniently; otherwise the user sees the error.
 */
async function malformed(c: Context<AppEnv>, raw: string, err: OAuthError): Promise<Response> {
  const single = (name: string) => {
    const { values, broken } = valuesOf(raw, name);
    return values.length === 1 && !broken ? values[0] : undefined;
  };
  const trusted = new Map<string, string>();
  // response_type and response_mode only choose how the error travels (fragment, form_post).
  for (const name of ['client_id', 'redirect_uri', 'state', 'response_type', 'response_mode']) {
    const value = single(name);
    if (value) trusted.set(name, value);
  }
  const ctx = newAuthorizeContext(trusted);
  try {
    await trustClientAndRedirectUri(ctx, new ClientRepository(c.env.DB));
  } catch {
    return errorPage(c, 'Invalid request', err.description);
  }
  return sendAuthorizationResponse(c, errorResponse({ redirectUri: ctx.redirectUri!, state: ctx.state, responseMode: errorResponseMode(ctx) }, c.var.issuer, err, ctx.client!));
}

/**
 * Each interaction may become a stored row (the size fallback) and costs a sealing: creation is throttled per source IP (limits.ts INTERACTION_IP),
 * checked and counted in one atomic step before anything is written. A reservation that parks
 * nothing is given back after the response.
 */
type Reservation = ReturnType<typeof reserveInteraction>;

function reserveInteraction(c: Context<AppEnv>) {
  const at = now();
  const throttle = throttleFor(c.env, `interaction:${sourceIp(c)}`);
  const rules = [{ key: 'ip', policy: INTERACTION_IP }];
  const verdict = throttle.take(at, rules);
  // Awaited later, if at all: a failure surfaces there, never as an unhandled rejection.
  verdict.catch(() => {});
  let given = false;
  // At most once, whichever path gives it back.
  const giveBack = () => {
    if (given) return;
    given = true;
    c.executionCtx.waitUntil(verdict.then((v) => (v.allowed ? throttle.release(at, rules) : undefined)).catch(() => {}));
  };
  return { verdict, giveBack };
}

/** Either answers at once (single sign-on, prompt=none) or parks the request for the sign-in and consent pages. */
async function proceed(c: Context<AppEnv>, request: AuthorizationRequest, client: Client, params: Params, early: Reservation | null, pushed: boolean): Promise<Response> {
  // idp_hint=SLUG (issue 11): straight to that upstream provider; an unknown one is invalid_request.
  const idpHint = params.get('idp_hint');
  if (idpHint !== undefined && !(await upstreams(c.env)).has(idpHint)) {
    early?.giveBack();
    return sendAuthorizationResponse(c, errorResponse(request, c.var.issuer, new InvalidRequest('idp_hint names no configured upstream provider'), client));
  }
  const session = await sessionForRequest(c, request, client);
  // The session lookup brought the consent for this client along (one query).
  const consented = session ? await consentFor(c, session, client.id) : new Set<string>();
  // prompt=select_account also offers the browser's other accounts when none is current.
  const otherAccounts = !session && request.prompt.includes('select_account') && (await browserSessions(c)).held.length > 0;
  const sessionSubject = session ? await subjectForClient(c.env, client, session.userId) : null;
  const next = decideNextStep({ request, client, session, sessionSubject, consentedScopes: consented, authenticatedHere: false, consentedHere: false, otherAccounts, now: now() });
  if (next.step === 'error') {
    // A cross-site form POST never carries our SameSite=Lax session cookie, so prompt=none cannot
    // be judged from it: the same request as a top-level GET navigation can (the sign-in pages need
    // no such step, they are reached by a GET anyway). The query is rebuilt from the parsed
    // parameters, never copied from the body, so it is always a well-formed Location.
    early?.giveBack();
    // A pushed request was used up: its parameters are never replayed in a URL.
    if (c.req.method === 'POST' && !readSessionCookie(c) && !pushed) {
      const query = new URLSearchParams([...params]).toString();
      if (query.length <= MAX_REPLAY_QUERY) return redirect(c, `/authorize?${query}`, 303);
    }
    if (request.pushedId) c.executionCtx.waitUntil(consumePushedRequest(c.env, request.pushedId).catch(() => {}));
    return sendAuthorizationResponse(c, errorResponse(request, c.var.issuer, next.error, client));
  }
  if (next.step === 'issue') {
    early?.giveBack();
    // A pushed request used by another authorization meanwhile (InvalidRequestUri) goes back to the client like any error.
    const response = await issueAuthorizationResponse(c.env, client, request, next.session, c.var.issuer, { db: pageDb(c) });
    rememberWrites(c);
    return sendAuthorizationResponse(c, response);
  }

  const reserved = await (early ?? reserveInteraction(c)).verdict;
  if (!reserved.allowed) {
    c.header('Retry-After', String(reserved.retryAfter));
    return renderPage(
      c,
      <ErrorPage title="Too many sign-in requests" detail={`Too many sign-in requests came from your network. Try again in ${reserved.retryAfter} second(s).`} />,
      429,
    );
  }
  // The request waits in a sealed cookie of this browser (a row only when too large for one).
  const parked = await park(c, client.id, request, lifetimes(c.env).interaction);
  return redirect(c, idpHint !== undefined ? startPath(idpHint, parked.interaction.id) : `/interaction/${parked.interaction.id}`);
}
