import { RequestNotSupported, RequestUriNotSupported } from '../errors';
import type { AuthorizeContext } from './request';

/**
 * OIDC Core §6: request objects, by value or by reference (request_uri, or PAR's, resolved by the
 * route), have been resolved before the checks (validate.ts), so a `request` or `request_uri` left
 * here is never ignored silently.
 */
export function checkRequestObject(ctx: AuthorizeContext): void {
  if (ctx.params.has('request')) throw new RequestNotSupported('request objects are not supported');
  if (ctx.params.has('request_uri')) throw new RequestUriNotSupported('request_uri is not supported');
}
