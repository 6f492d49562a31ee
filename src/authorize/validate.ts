import { now } from '../config';
import { settings } from '../settings';
import { InvalidRequest, OAuthError, UntrustedRedirectError } from '../errors';
import type { Params } from '../http/params';
import type { Client } from '../storage/clients';
import { requestObjectParams } from './request_object';
import { fetchRequestObject } from './request_uri';
import type { ClientRepository } from '../storage/clients';
import { checkClaims } from './check_claims';
import { checkClient } from './check_client';
import { checkDpopJkt } from './check_dpop_jkt';
import { checkIdTokenHint } from './check_id_token_hint';
import { checkMaxAge, checkPrompt } from './check_prompt';
import { checkOptionalParameters } from './check_optional';
import { checkPushed } from './check_pushed';
import { checkPkce } from './check_pkce';
import { checkRedirectUri } from './check_redirect_uri';
import { checkRequestObject } from './check_request_object';
import { checkNonceRequired, checkResponseMode, checkResponseType } from './check_response_type';
import { checkScope } from './check_scope';
import { checkResource } from './check_resource';
import type { AuthorizationRequest, AuthorizeCheck, AuthorizeContext } from './request';

/** Where the client comes from: the repository, or the client that authenticated (PAR). */
export type ClientLookup = Pick<ClientRepository, 'findCached'>;

/** Run in order once client and redirect_uri are trusted; the first failure is redirected back. */
const CHECKS: AuthorizeCheck[] = [
  checkPushed,
  checkRequestObject,
  checkResponseType,
  checkResponseMode,
  checkNonceRequired,
  checkScope,
  checkPkce,
  checkDpopJkt,
  checkPrompt,
  checkMaxAge,
  checkOptionalParameters,
  checkClaims,
];

/**
 * Validates an authorization request. Throws UntrustedRedirectError while client_id or
 * redirect_uri cannot be trusted; after that, OAuthErrors that the caller redirects back with the
 * context's redirect_uri and state (OIDC Core §3.1.2.6). `ctx` is filled in as checks pass.
 */
export async function validateAuthorizationRequest(ctx: AuthorizeContext, clients: ClientLookup): Promise<AuthorizationRequest> {
  // A pushed request never holds a request_uri (RFC 9126 §2.1, refused at /par); any other is a
  // request object by reference (OIDC Core §6.2).
  if (ctx.params.has('request') || (ctx.params.has('request_uri') && !ctx.pushed)) {
    const client = await resolveRequestObject(ctx, clients);
    await trustClientAndRedirectUri(ctx, { findCached: async (id) => (id === client.id ? client : null) });
  } else {
    await trustClientAndRedirectUri(ctx, clients);
  }
  for (const check of CHECKS) check(ctx);
  await checkIdTokenHint(ctx);
  await checkResource(ctx);
  return ctx.request as AuthorizationRequest;
}

/**
 * OIDC Core §6.1 / RFC 9101: a request object by value replaces ctx.params with its parameters
 * merged over the outer ones; OIDC Core §6.2 / RFC 9101 §5.2: one by reference (request_uri) is
 * fetched first (request_uri.ts), then treated the same. An invalid object, or a request_uri that
 * cannot be used, goes back to the outer redirect_uri when that one is registered (with the outer
 * state); otherwise the user sees it (or, at PAR, the client as JSON).
 */
async function resolveRequestObject(ctx: AuthorizeContext, clients: ClientLookup): Promise<Client> {
  const clientId = ctx.params.get('client_id');
  checkClient(ctx, clientId ? await clients.findCached(clientId) : null);
  const client = ctx.client!;
  try {
    let outer = ctx.params;
    const requestUri = outer.get('request_uri');
    if (requestUri !== undefined) {
      // OIDC Core §6: request and request_uri MUST NOT be used together.
      if (outer.has('request')) throw new InvalidRequest('request and request_uri must not both be sent');
      const jwt = await fetchRequestObject(requestUri, client, ctx.issuer ?? '');
      outer = new Map([...outer].filter(([k]) => k !== 'request_uri'));
      outer.set('request', jwt);
    }
    ctx.params = await requestObjectParams(outer.get('request')!, outer, client, ctx.issuer ?? '', now(), ctx.env ? settings(ctx.env).requestObjectNone : false);
  } catch (err) {
    const outer = ctx.params.get('redirect_uri');
    if (outer && client.redirectUris.includes(outer)) {
      ctx.redirectUri = outer;
      ctx.state = ctx.params.get('state');
    } else if (!ctx.pushed && err instanceof OAuthError) {
      throw new UntrustedRedirectError('Invalid request', err.description);
    }
    throw err;
  }
  return client;
}

/** The first two checks alone: after them, errors may be sent to ctx.redirectUri. */
export async function trustClientAndRedirectUri(ctx: AuthorizeContext, clients: ClientLookup): Promise<void> {
  const clientId = ctx.params.get('client_id');
  checkClient(ctx, clientId ? await clients.findCached(clientId) : null);
  checkRedirectUri(ctx);
}

export const newAuthorizeContext = (params: Params, extra: Omit<AuthorizeContext, 'params' | 'request'> = {}): AuthorizeContext => ({ params, request: {}, ...extra });
