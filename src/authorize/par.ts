import { now } from '../config';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { Bindings } from '../env';
import { InvalidRequest, InvalidRequestUri, UntrustedRedirectError } from '../errors';
import type { Params } from '../http/params';
import type { Client } from '../storage/clients';
import { PushedRequestRepository } from '../storage/pushed_requests';
import { newAuthorizeContext, validateAuthorizationRequest } from './validate';

/** RFC 9126 §2.2: the request_uri is a URN of this form; its random part is 256 bits. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** RFC 9126 §2.2: short-lived (the RFC suggests 5 to 600 seconds); 60 s, used once. */
export const PUSHED_REQUEST_TTL = 60;

/** Parameters of the PAR request that authenticate the client and so are not authorization parameters. */
const CLIENT_AUTH_PARAMS = ['client_secret', 'client_assertion', 'client_assertion_type'];

export interface PushContext {
  env: Bindings;
  issuer: string;
  signupEnabled: boolean;
  requireParEverywhere: boolean;
}

export interface PushedResponse {
  request_uri: string;
  expires_in: number;
}

/**
 * RFC 9126 §2: a pushed authorization request from an authenticated client. The parameters are
 * validated now with exactly the checks of /authorize (§2.1: the AS MUST validate the request as
 * it would an authorization request), the errors answered to the client as JSON (§2.3); once valid
 * they are stored, unchanged (a request object's parameters once verified), under a one-time request_uri.
 */
export async function pushAuthorizationRequest(ctx: PushContext, client: Client, body: Params): Promise<PushedResponse> {
  // §2.1: request_uri MUST NOT be provided in a pushed request.
  if (body.has('request_uri')) throw new InvalidRequest('request_uri must not be sent to the pushed authorization request endpoint');
  const params: Params = new Map([...body].filter(([k]) => !CLIENT_AUTH_PARAMS.includes(k)));
  // The authenticated client is the request's client (client_id, when sent, already matched it).
  params.set('client_id', client.id);
  const authorize = newAuthorizeContext(params, { signupEnabled: ctx.signupEnabled, env: ctx.env, issuer: ctx.issuer, pushed: true, requireParEverywhere: ctx.requireParEverywhere });
  try {
    await validateAuthorizationRequest(authorize, { findCached: async (id: string) => (id === client.id ? client : null) });
  } catch (err) {
    // Errors the browser would see as a page (no trusted redirect_uri) go to the client as JSON.
    if (err instanceof UntrustedRedirectError) throw new InvalidRequest(err.detail);
    throw err;
  }
  const secret = randomToken(32);
  const at = now();
  await new PushedRequestRepository(ctx.env.DB).insert({ id: await sha256Base64url(secret), clientId: client.id, params: [...authorize.params], expiresAt: at + PUSHED_REQUEST_TTL });
  return { request_uri: `${REQUEST_URI_PREFIX}${secret}`, expires_in: PUSHED_REQUEST_TTL };
}

export const isPushedRequestUri = (uri: string): boolean => uri.startsWith(REQUEST_URI_PREFIX);

/**
 * RFC 9126 §4: the parameters pushed under `requestUri` by `clientId`, and the id that uses them up
 * when the authorization response is issued (respond.ts), not now: FAPI 2.0's conformance suite
 * opens the same authorization URL twice before signing in, and RFC 9126 §7.3 only asks for one
 * use "at the point of authorization". An unknown, expired, already used or another client's
 * request_uri is invalid_request_uri (RFC 9101 §7).
 */
export async function readPushedRequest(env: Bindings, clientId: string, requestUri: string): Promise<{ id: string; params: Params }> {
  const secret = requestUri.slice(REQUEST_URI_PREFIX.length);
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) throw new InvalidRequestUri('request_uri is not one this server issued');
  const id = await sha256Base64url(secret);
  const params = await new PushedRequestRepository(env.DB).find(id, clientId, now());
  if (!params) throw new InvalidRequestUri('request_uri is unknown, expired or already used');
  return { id, params: new Map(params) };
}

/** A pushed request whose authorization ended with an error is used up too (in the background). */
export const consumePushedRequest = (env: Bindings, id: string): Promise<void> => new PushedRequestRepository(env.DB).consume(id);
