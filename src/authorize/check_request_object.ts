import { RequestNotSupported, RequestUriNotSupported } from '../errors';
import type { AuthorizeContext } from './request';

/**
 * OIDC Core §6: request objects are not supported yet, and must not be silently ignored
 * (the parameters inside them might differ from the ones outside), so refuse them (§6.1, §6.2).
 */
export function checkRequestObject(ctx: AuthorizeContext): void {
  if (ctx.params.has('request')) throw new RequestNotSupported('request objects are not supported');
  if (ctx.params.has('request_uri')) throw new RequestUriNotSupported('request_uri is not supported');
}
