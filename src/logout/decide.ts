import type { Session } from '../storage/sessions';
import type { LogoutRequest } from './request';

export type LogoutStep =
  /** Nothing to end; `returnToClient` when the request proved its client (a verified hint). */
  | { step: 'nothing'; returnToClient: boolean }
  /** End the session now and return to the validated post_logout_redirect_uri, if any. */
  | { step: 'end' }
  /** Ask the user first (RP-Initiated Logout 1.0 §2: the OP SHOULD ask when it cannot tell). */
  | { step: 'confirm' };

/**
 * What a validated logout request does with the session it concerns. Only an id_token_hint for
 * this session's user (and sid, when the hint has one) proves which client and session the request
 * is about; without it, the user confirms. A remembered ("remember me") session always asks, since
 * ending it signs the user out of every client they chose to stay signed in to.
 * `sessionSubject` is the session user's `sub` as the hint's client sees it (OIDC Core §8: a
 * pairwise client's hint carries its own value, never the internal user id).
 */
export function decideLogout(req: Pick<LogoutRequest, 'hint'>, session: Session | null, sessionSubject: string | null): LogoutStep {
  if (!session) return { step: 'nothing', returnToClient: req.hint !== null };
  const proven = req.hint !== null && sessionSubject !== null && req.hint.sub === sessionSubject && (req.hint.sid === undefined || req.hint.sid === session.sid);
  return proven && !session.remembered ? { step: 'end' } : { step: 'confirm' };
}
