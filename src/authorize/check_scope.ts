import { STANDARD_SCOPES } from '../config';
import { InvalidScope } from '../errors';
import type { AuthorizeContext } from './request';

/**
 * OIDC Core §3.1.2.1: scope MUST contain `openid`. Scope values the server does not understand
 * SHOULD be ignored (§5.4), so only known scopes are kept.
 */
export function checkScope(ctx: AuthorizeContext): void {
  const requested = (ctx.params.get('scope') ?? '').split(' ').filter(Boolean);
  if (!requested.includes('openid')) throw new InvalidScope('the openid scope is required');
  const known = new Set<string>(STANDARD_SCOPES);
  ctx.request.scopes = [...new Set(requested.filter((s) => known.has(s)))];
}
