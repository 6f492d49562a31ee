import { InvalidRequest } from '../errors';
import { verifyIdTokenHint } from '../tokens/id_token_hint';
import type { AuthorizeContext } from './request';

/**
 * OIDC Core §3.1.2.1 id_token_hint: an ID token we issued earlier to this client, accepted even
 * when expired. It must verify against our published keys with our issuer and the client among its
 * audiences; anything else is invalid_request (never silently ignored, since the client relies on it
 * to pin the user). Its `sub` then constrains the sign-in (see decide.ts).
 */
export async function checkIdTokenHint(ctx: AuthorizeContext): Promise<void> {
  const hint = ctx.params.get('id_token_hint');
  if (hint === undefined) return;
  const verified = ctx.env && ctx.issuer ? await verifyIdTokenHint(ctx.env, hint, ctx.issuer) : null;
  if (!verified || !verified.aud.includes(ctx.client!.id)) throw new InvalidRequest('id_token_hint is not a valid ID token issued by this server to this client');
  ctx.request.idTokenHintSub = verified.sub;
}
