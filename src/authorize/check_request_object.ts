import { RequestNotSupported, RequestUriNotSupported } from '../errors';
import type { AuthorizeContext } from './request';

/**
 * OIDC Core §6: a request object by value has been resolved before the checks (validate.ts), so a
 * `request` left here is never ignored silently; request_uri (other than PAR's, resolved by the
 * route) is not supported (§6.2).
 */
export function checkRequestObject(ctx: AuthorizeContext): void {
  if (ctx.params.has('request')) throw new RequestNotSupported('request objects are not supported');
  if (ctx.params.has('request_uri')) throw new RequestUriNotSupported('request_uri is not supported');
}
