import { Hono, type Context } from 'hono';
import { decideNextStep } from '../authorize/decide';
import type { AuthorizationRequest } from '../authorize/request';
import { errorLocation, issueCode, redirect } from '../authorize/respond';
import { newAuthorizeContext, validateAuthorizationRequest } from '../authorize/validate';
import { lifetimes, now } from '../config';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { AppEnv } from '../env';
import { OAuthError, UntrustedRedirectError } from '../errors';
import { setInteractionCookie } from '../http/cookies';
import { formParams, queryParams, type Params } from '../http/params';
import { currentSession } from '../http/session';
import { ClientRepository, type Client } from '../storage/clients';
import { ConsentRepository } from '../storage/consents';
import { InteractionRepository } from '../storage/interactions';
import { ErrorPage } from '../views/error';
import { renderPage } from '../views/render';

/** OIDC Core §3.1.2.1: the authorization endpoint MUST support GET and POST. */
export const authorize = new Hono<AppEnv>();

authorize.on(['GET', 'POST'], '/', async (c) => {
  let params: Params;
  try {
    params = c.req.method === 'GET' ? queryParams(c.req.url) : await formParams(c.req.raw);
  } catch (err) {
    // Nothing about the client can be trusted yet, so this is shown, not redirected.
    const detail = err instanceof OAuthError ? err.description : 'The request could not be read.';
    return renderPage(c, <ErrorPage title="Invalid request" detail={detail} />, 400);
  }
  const ctx = newAuthorizeContext(params);
  try {
    const request = await validateAuthorizationRequest(ctx, new ClientRepository(c.env.DB));
    return await proceed(c, request, ctx.client!);
  } catch (err) {
    if (err instanceof UntrustedRedirectError) return renderPage(c, <ErrorPage title={err.title} detail={err.detail} />, 400);
    if (err instanceof OAuthError && ctx.redirectUri) return redirect(c, errorLocation(ctx.redirectUri, ctx.state, c.var.issuer, err));
    throw err;
  }
});

/** Either answers at once (single sign-on, prompt=none) or parks the request for the sign-in and consent pages. */
async function proceed(c: Context<AppEnv>, request: AuthorizationRequest, client: Client): Promise<Response> {
  const session = await currentSession(c);
  const consented = session ? await new ConsentRepository(c.env.DB).grantedScopes(session.userId, client.id) : new Set<string>();
  const next = decideNextStep({ request, client, session, consentedScopes: consented, authenticatedHere: false, consentedHere: false, now: now() });
  if (next.step === 'error') return redirect(c, errorLocation(request.redirectUri, request.state, c.var.issuer, next.error));
  if (next.step === 'issue') return redirect(c, await issueCode(c.env, request, next.session, c.var.issuer));

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
