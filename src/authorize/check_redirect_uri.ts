import { UntrustedRedirectError } from '../errors';
import type { AuthorizeContext } from './request';

/**
 * OIDC Core §3.1.2.1: redirect_uri is REQUIRED and MUST exactly match one of the client's
 * registered URIs (simple string comparison, RFC 9700 §4.1.3). Until it does, nothing may be
 * sent to it, so failures are shown to the user rather than redirected (RFC 6749 §4.1.2.1).
 */
export function checkRedirectUri(ctx: AuthorizeContext): void {
  const uri = ctx.params.get('redirect_uri');
  if (!uri) throw new UntrustedRedirectError('Invalid request', 'The request did not include a redirect_uri.');
  if (!ctx.client!.redirectUris.includes(uri)) {
    throw new UntrustedRedirectError('Invalid redirect', 'The redirect_uri in the request is not registered for this application.');
  }
  ctx.redirectUri = uri;
  ctx.request.redirectUri = uri;
  // From here on, errors go back to the client with the state it sent (§3.1.2.6).
  ctx.state = ctx.params.get('state');
  ctx.request.state = ctx.state;
}
