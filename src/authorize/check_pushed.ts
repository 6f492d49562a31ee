import { InvalidRequest } from '../errors';
import type { AuthorizeContext } from './request';

/**
 * RFC 9126 §5 and §6: a client registered with require_pushed_authorization_requests (or every
 * client, with REQUIRE_PAR=on) sends its authorization requests only through /par; a request with
 * the parameters in the URL is refused with invalid_request (FAPI 2.0 Security Profile §5.3.2.2).
 */
export function checkPushed(ctx: AuthorizeContext): void {
  if (ctx.pushed) return;
  if (ctx.requireParEverywhere || ctx.client!.requirePushedAuthorizationRequests) {
    throw new InvalidRequest('this client must push its authorization requests to the pushed authorization request endpoint (RFC 9126)');
  }
}
