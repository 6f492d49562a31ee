import { OFFLINE_ACCESS, STANDARD_SCOPES } from '../config';
import { InvalidScope } from '../errors';
import type { Client } from '../storage/clients';
import type { AuthorizeContext } from './request';

/** The scopes a client may be granted: the standard ones (or the client's own list, when it has one). */
export const allowedScopes = (client: Client): Set<string> => new Set<string>(client.scopes ? ['openid', ...client.scopes] : STANDARD_SCOPES);

/**
 * OIDC Core §3.1.2.1: scope MUST contain `openid`. Scope values the server does not understand
 * SHOULD be ignored (§5.4), so only known scopes are kept: the standard ones (or the client's own
 * list, when it has one), and `offline_access` only for clients allowed refresh tokens (§11).
 */
export function checkScope(ctx: AuthorizeContext): void {
  const requested = (ctx.params.get('scope') ?? '').split(' ').filter(Boolean);
  if (!requested.includes('openid')) throw new InvalidScope('the openid scope is required');
  const client = ctx.client!;
  const known = allowedScopes(client);
  if (client.grantTypes.includes('refresh_token')) known.add(OFFLINE_ACCESS);
  else known.delete(OFFLINE_ACCESS);
  ctx.request.scopes = [...new Set(requested.filter((s) => known.has(s)))];
}
