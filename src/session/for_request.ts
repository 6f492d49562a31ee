import type { Context } from 'hono';
import type { AuthorizationRequest } from '../authorize/request';
import type { AppEnv, Bindings } from '../env';
import type { Client } from '../storage/clients';
import type { Session } from '../storage/sessions';
import { requiredSubject } from '../tokens/claims_request';
import { subjectFor } from '../tokens/subject';
import { browserSessions } from './browser';

/** The `sub` the client expects (id_token_hint, or a `sub` value in the claims parameter): the client's own value (OIDC Core §8). */
export const expectedSubject = (request: AuthorizationRequest): string | undefined => request.idTokenHintSub ?? requiredSubject(request.claims);

/** The `sub` this client sees for the user (pairwise clients their own, OIDC Core §8.1). */
export const subjectForClient = (env: Bindings, client: Client, userId: string): Promise<string> => subjectFor(env, client, userId);

/**
 * The session an authorization request is answered from: the browser's current one, unless the
 * client named another user (id_token_hint, or a `sub` value in the claims parameter) who is also
 * signed in to this browser. OIDC Core §3.1.2.1: a positive response is due when the user the hint
 * identifies is logged in, so that session answers without any page (and prompt=none succeeds).
 * The hint carries the client's `sub`, so each session's user is compared as this client sees it.
 */
export async function sessionForRequest(c: Context<AppEnv>, request: AuthorizationRequest, client: Client): Promise<Session | null> {
  const { current, held } = await browserSessions(c, client.id);
  const expected = expectedSubject(request);
  if (expected === undefined || (current && (await subjectForClient(c.env, client, current.userId)) === expected)) return current;
  for (const { session } of held) if ((await subjectForClient(c.env, client, session.userId)) === expected) return session;
  return current;
}
