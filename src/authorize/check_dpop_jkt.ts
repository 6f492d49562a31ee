import { JKT_FORMAT } from '../authn/dpop';
import { InvalidRequest } from '../errors';
import type { AuthorizeContext } from './request';

/**
 * RFC 9449 §10: dpop_jkt binds the authorization code to a DPoP key (its RFC 7638 SHA-256
 * thumbprint); the token request must then prove possession of that key.
 */
export function checkDpopJkt(ctx: AuthorizeContext): void {
  const jkt = ctx.params.get('dpop_jkt');
  if (jkt === undefined) return;
  if (!JKT_FORMAT.test(jkt)) throw new InvalidRequest('dpop_jkt must be a base64url SHA-256 JWK thumbprint');
  ctx.request.dpopJkt = jkt;
}
