import { OFFLINE_ACCESS, STANDARD_SCOPES } from '../config';
import { InvalidScope } from '../errors';
import type { Client } from '../storage/clients';
import type { AuthorizeContext } from './request';
import { returnsIdToken } from './response_type';

/** The scopes a client may be granted: the standard ones (or the client's own list, when it has one). */
export const allowedScopes = (client: Client): Set<string> => new Set<string>(client.scopes ? ['openid', ...client.scopes] : STANDARD_SCOPES);

/**
 * With `openid` the request is an OpenID Connect one (OIDC Core §3.1.2.1); without it, a plain
 * OAuth 2.0 authorization (no ID token, issue 13). A request without scope gets the client's
 * default scopes, or invalid_scope when it has none (RFC 6749 §3.3). Scope values the server does
 * not understand SHOULD be ignored (§5.4), so only known scopes are kept: the standard ones (or the
 * client's own list, when it has one), and `offline_access` only for clients allowed refresh tokens
 * (§11); nothing known left is invalid_scope.
 */
export function checkScope(ctx: AuthorizeContext): void {
  const client = ctx.client!;
  let requested = (ctx.params.get('scope') ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) {
    if (!client.defaultScopes) throw new InvalidScope('scope is required: this client has no default scope');
    requested = client.defaultScopes;
  }
  // An ID token exists only in OpenID Connect requests.
  if (returnsIdToken(ctx.request.responseType ?? 'code') && !requested.includes('openid')) throw new InvalidScope(`response_type ${ctx.request.responseType} needs the openid scope`);
  const known = allowedScopes(client);
  if (client.grantTypes.includes('refresh_token')) known.add(OFFLINE_ACCESS);
  else known.delete(OFFLINE_ACCESS);
  const scopes = [...new Set(requested.filter((s) => known.has(s)))];
  if (scopes.length === 0) throw new InvalidScope('none of the requested scopes is allowed for this client');
  ctx.request.scopes = scopes;
}
