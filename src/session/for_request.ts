import type { Context } from 'hono';
import type { AuthorizationRequest } from '../authorize/request';
import { now } from '../config';
import type { AppEnv } from '../env';
import { currentSession } from '../http/session';
import { SessionRepository, type Session } from '../storage/sessions';
import { requiredSubject } from '../tokens/claims_request';
import { browserHashes } from './browser';

/**
 * The session an authorization request is answered from: the browser's current one, unless the
 * client named another user (id_token_hint, or a `sub` value in the claims parameter) who is also
 * signed in to this browser. OIDC Core §3.1.2.1: a positive response is due when the user the hint
 * identifies is logged in, so that session answers without any page (and prompt=none succeeds).
 */
export async function sessionForRequest(c: Context<AppEnv>, request: AuthorizationRequest): Promise<Session | null> {
  const current = await currentSession(c);
  const expected = request.idTokenHintSub ?? requiredSubject(request.claims);
  if (expected === undefined || current?.userId === expected) return current;
  const mine = await new SessionRepository(c.env.DB).listForBrowser(await browserHashes(c), now());
  return mine.find((s) => s.userId === expected) ?? current;
}
