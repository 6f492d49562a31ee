import { Hono, type Context } from 'hono';
import { decideNextStep } from '../authorize/decide';
import type { AuthorizationRequest } from '../authorize/request';
import { isPushedRequestUri, takePushedRequest } from '../authorize/par';
import { errorLocation, issueCode, redirect } from '../authorize/respond';
import { newAuthorizeContext, trustClientAndRedirectUri, validateAuthorizationRequest } from '../authorize/validate';
import { lifetimes, now } from '../config';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { AppEnv } from '../env';
import { OAuthError, UntrustedRedirectError } from '../errors';
import { readSessionCookie, setInteractionCookie } from '../http/cookies';
import { methodNotAllowed } from '../http/json_error';
import { sourceIp } from '../http/source_ip';
import { parseFormEncoded, rawQuery, readFormBody, valuesOf, type Params } from '../http/params';
import { browserSessions } from '../session/browser';
import { signupEnabled } from '../session/config';
import { settings } from '../settings';
import { sessionForRequest, subjectForClient } from '../session/for_request';
import { ClientRepository, type Client } from '../storage/clients';
import { ConsentRepository } from '../storage/consents';
import { InteractionRepository } from '../storage/interactions';
import { INTERACTION_IP } from '../throttle/limits';
import { throttleFor } from '../throttle/store';
import { ErrorPage } from '../views/error';
import { renderPage } from '../views/render';

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
  const requestUri = params.get('request_uri');
  if (requestUri !== undefined && isPushedRequestUri(requestUri)) {
    // RFC 9126 §4: client_id and the request_uri from /par; the pushed parameters, and only them, are
    // the request. Read (and taken, once) alongside the client.
    const clientId = params.get('client_id');
    if (!clientId) return errorPage(c, 'Invalid request', 'The request did not say which application sent you here (client_id is missing).');
    const [client, taken] = await Promise.all([clients.find(clientId), takePushedRequest(c.env, clientId, requestUri).catch((err: unknown) => err)]);
    if (!client) return errorPage(c, 'Unknown application', 'The application that sent you here is not registered with this sign-in service.');
    if (!(taken instanceof Map)) {
      if (taken instanceof OAuthError) return errorPage(c, 'Invalid request', `${taken.description}. Go back to the application and start again.`);
      throw taken;
    }
    params = taken;
    pushed = true;
  }
  const ctx = newAuthorizeContext(params, { signupEnabled: signupEnabled(c.env), env: c.env, issuer: c.var.issuer, pushed, requireParEverywhere: settings(c.env).requirePar });
  try {
    const request = await validateAuthorizationRequest(ctx, clients);
    return await proceed(c, request, ctx.client!, params, pushed);
  } catch (err) {
    if (err instanceof UntrustedRedirectError) return errorPage(c, err.title, err.detail);
    if (err instanceof OAuthError && ctx.redirectUri) return redirect(c, errorLocation(ctx.redirectUri, ctx.state, c.var.issuer, err));
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
  for (const name of ['client_id', 'redirect_uri', 'state']) {
    const value = single(name);
    if (value) trusted.set(name, value);
  }
  const ctx = newAuthorizeContext(trusted);
  try {
    await trustClientAndRedirectUri(ctx, new ClientRepository(c.env.DB));
  } catch {
    return errorPage(c, 'Invalid request', err.description);
  }
  return redirect(c, errorLocation(ctx.redirectUri!, ctx.state, c.var.issuer, err));
}

/**
 * Each interaction is a stored row: creation is throttled per source IP (limits.ts INTERACTION_IP),
 * checked and counted in one atomic step before anything is written. A reservation that parks
 * nothing is given back after the response.
 */
function reserveInteraction(c: Context<AppEnv>) {
  const at = now();
  const throttle = throttleFor(c.env, `interaction:${sourceIp(c)}`);
  const rules = [{ key: 'ip', policy: INTERACTION_IP }];
  const verdict = throttle.take(at, rules);
  // Awaited later, if at all: a failure surfaces there, never as an unhandled rejection.
  verdict.catch(() => {});
  const giveBack = () => c.executionCtx.waitUntil(verdict.then((v) => (v.allowed ? throttle.release(at, rules) : undefined)).catch(() => {}));
  return { verdict, giveBack };
}

/** Either answers at once (single sign-on, prompt=none) or parks the request for the sign-in and consent pages. */
async function proceed(c: Context<AppEnv>, request: AuthorizationRequest, client: Client, params: Params, pushed: boolean): Promise<Response> {
  // A request without a session will most likely park an interaction: its reservation in the
  // throttle starts now, alongside the reads below, and is awaited only if one is created.
  const early = readSessionCookie(c) ? null : reserveInteraction(c);
  const session = await sessionForRequest(c, request, client);
  const consented = session ? await new ConsentRepository(c.env.DB).grantedScopes(session.userId, client.id) : new Set<string>();
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
    return redirect(c, errorLocation(request.redirectUri, request.state, c.var.issuer, next.error));
  }
  if (next.step === 'issue') {
    early?.giveBack();
    return redirect(c, await issueCode(c.env, request, next.session, c.var.issuer));
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
  const id = randomToken(24);
  const csrf = randomToken(32);
  const ttl = lifetimes(c.env).interaction;
  await new InteractionRepository(c.env.DB).insert(
    { id, clientId: client.id, request, csrfHash: await sha256Base64url(csrf), userId: null, authenticatedAt: null, expiresAt: now() + ttl },
    now(),
  );
  setInteractionCookie(c, id, csrf, ttl);
  return redirect(c, `/interaction/${id}`);
}
