import { InvalidRequest } from '../errors';
import { FAPI2_MAX_CODE_TTL, isFapi2 } from '../clients/model';
import { isPublicClient } from '../storage/clients';
import type { AuthorizeContext } from './request';
import { returnsCode } from './response_type';

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 7636 and RFC 9700 §2.1.1: public clients MUST use PKCE; `plain` is refused because it
 * protects nothing once the request leaks. A challenge from a confidential client is honoured.
 */
export function checkPkce(ctx: AuthorizeContext): void {
  const challenge = ctx.params.get('code_challenge');
  const method = ctx.params.get('code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined) throw new InvalidRequest('code_challenge_method without code_challenge');
    // A response without a code (id_token, id_token token) has nothing for PKCE to bind.
    if (isPublicClient(ctx.client!) && returnsCode(ctx.request.responseType ?? 'code')) throw new InvalidRequest('PKCE is required for public clients: send code_challenge with code_challenge_method=S256');
    // FAPI 2.0 Security Profile §5.3.2.2: PKCE with S256 for every client of the profile.
    if (isFapi2(ctx.client!)) throw new InvalidRequest('PKCE is required (FAPI 2.0): send code_challenge with code_challenge_method=S256');
    return;
  }
  // RFC 7636 §4.3 makes "plain" the default when the method is omitted; we only accept S256.
  if (method !== 'S256') throw new InvalidRequest('code_challenge_method must be S256');
  if (!S256_CHALLENGE.test(challenge)) throw new InvalidRequest('code_challenge must be a base64url-encoded SHA-256 hash (43 characters)');
  ctx.request.codeChallenge = challenge;
  ctx.request.codeChallengeMethod = 'S256';
  // FAPI 2.0 Security Profile §5.3.2.2: the code lives at most 60 seconds.
  if (isFapi2(ctx.client!)) ctx.request.codeTtl = FAPI2_MAX_CODE_TTL;
}
