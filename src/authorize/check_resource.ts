import { apiFor, parseResource } from '../grants/resource';
import type { AuthorizeContext } from './request';

/**
 * RFC 8707 §2: `resource` names the API (resource server) the access tokens are for; it must be an
 * absolute URI without fragment and a registered API that defines at least one requested scope.
 * Without it, requested scopes belonging to more than one API are invalid_target (issue 13). The
 * resource travels with the code (and the grant) to the token endpoint.
 */
export async function checkResource(ctx: AuthorizeContext): Promise<void> {
  const resource = parseResource(ctx.params.get('resource'));
  if (!ctx.env) return;
  const { api } = await apiFor(ctx.env, resource, ctx.request.scopes ?? []);
  if (api) ctx.request.resource = api.identifier;
}
