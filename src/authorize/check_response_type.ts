import { InvalidRequest, UnauthorizedClient, UnsupportedResponseType } from '../errors';
import type { AuthorizeContext } from './request';

/** RFC 6749 §3.1.1: response_type is REQUIRED; only the code flow is offered. */
export function checkResponseType(ctx: AuthorizeContext): void {
  const type = ctx.params.get('response_type');
  if (!type) throw new InvalidRequest('response_type is required');
  if (type !== 'code') throw new UnsupportedResponseType(`response_type ${type} is not supported; use code`);
  // RFC 6749 §4.1.2.1: a client not registered for the authorization_code grant is unauthorized_client.
  if (!ctx.client?.grantTypes.includes('authorization_code')) throw new UnauthorizedClient('this client is not allowed the authorization_code grant');
  ctx.request.responseType = 'code';
}

/** OAuth 2.0 Multiple Response Types §2.1: only `query`, the default for the code flow. */
export function checkResponseMode(ctx: AuthorizeContext): void {
  const mode = ctx.params.get('response_mode');
  if (mode !== undefined && mode !== 'query') throw new InvalidRequest(`response_mode ${mode} is not supported; use query`);
  ctx.request.responseMode = 'query';
}
