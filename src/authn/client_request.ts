import { waitUntil } from '../http/cached_document';
import type { Context } from 'hono';
import { ClientAuthThrottled, InvalidBasicClient, authenticateCaller, type Caller } from './client_auth';
import type { AppEnv } from '../env';
import { OAuthError } from '../errors';
import type { Client } from '../storage/clients';
import { formParams, type Params } from '../http/params';
import { jsonError } from '../http/json_error';
import { sourceIp } from '../http/source_ip';
import { keepBookmarkFresh } from '../storage/replica';

/**
 * The shared front of the endpoints that authenticate clients (token, revocation, introspection):
 * parse the form strictly, authenticate the client (the endpoint's path is no longer an accepted assertion audience), then run `handle`. Errors
 * become RFC 6749 §5.2 JSON; a failed authentication is 401 with WWW-Authenticate, a throttled
 * one 429 with Retry-After.
 */
export async function withClient(
  c: Context<AppEnv>,
  endpoint: string,
  handle: (client: Client, body: Params) => Promise<Response>,
  opts: { prefetch?: (body: Params) => void } = {},
): Promise<Response> {
  return withCaller(c, endpoint, false, (caller, body) => handle((caller as { kind: 'client'; client: Client }).client, body), opts);
}

/** `withClient` where `apis` also admits an API's introspection credential (issue 13). */
export async function withCaller(
  c: Context<AppEnv>,
  _endpoint: string,
  apis: boolean,
  handle: (caller: Caller, body: Params) => Promise<Response>,
  opts: { prefetch?: (body: Params) => void } = {},
): Promise<Response> {
  try {
    const body = await formParams(c.req.raw);
    // Reads the handler will need, started beside the client's authentication (not after it).
    opts.prefetch?.(body);
    const caller = await authenticateCaller({ env: c.env, issuer: c.var.issuer, ip: sourceIp(c) }, c.req.header('Authorization'), body, apis);
    if (caller.kind === 'client') c.set('client', caller.client);
    // Issue 10: keep this isolate's primary bookmark recent for replica reads (src/storage/replica.ts), after the response.
    keepBookmarkFresh(c.env.DB, (p) => waitUntil(c, p));
    return await handle(caller, body);
  } catch (err) {
    if (err instanceof ClientAuthThrottled) return jsonError(c, err, { 'Retry-After': String(err.retryAfter) });
    if (err instanceof InvalidBasicClient || (err instanceof OAuthError && err.error === 'invalid_client')) {
      // RFC 6749 §5.2 and RFC 9110 §15.5.2: a 401 names the scheme to authenticate with.
      return jsonError(c, err, { 'WWW-Authenticate': 'Basic realm="token", charset="UTF-8"' });
    }
    if (err instanceof OAuthError) return jsonError(c, err);
    throw err;
  }
}
