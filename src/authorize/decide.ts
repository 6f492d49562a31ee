import { ConsentRequired, LoginRequired, type OAuthError } from '../errors';
import type { Client } from '../storage/clients';
import type { Session } from '../storage/sessions';
import type { AuthorizationRequest } from './request';

export type NextStep =
  | { step: 'login' }
  | { step: 'consent'; scopes: string[] }
  | { step: 'issue'; session: Session }
  | { step: 'error'; error: OAuthError };

export interface DecisionInput {
  request: AuthorizationRequest;
  client: Client;
  session: Session | null;
  consentedScopes: Set<string>;
  /** The user signed in during this very interaction (satisfies prompt=login and max_age). */
  authenticatedHere: boolean;
  /** The user answered the consent page during this interaction (satisfies prompt=consent). */
  consentedHere: boolean;
  now: number;
}

/**
 * What the authorization request needs next, per OIDC Core §3.1.2.3-§3.1.2.4: sign-in when there
 * is no session, when prompt asks for it, or when the session is older than max_age; consent when
 * the client is not first-party and the scopes were not all approved before or prompt=consent.
 * With prompt=none the answer is an error instead of any page (§3.1.2.6).
 */
export function decideNextStep(input: DecisionInput): NextStep {
  const { request, session } = input;
  const prompt = new Set(request.prompt);
  const needsLogin =
    !session ||
    (!input.authenticatedHere &&
      (prompt.has('login') ||
        prompt.has('select_account') ||
        (request.maxAge !== undefined && input.now - session.authTime > request.maxAge)));
  if (needsLogin) {
    return prompt.has('none') ? { step: 'error', error: new LoginRequired('the user is not signed in or must sign in again') } : { step: 'login' };
  }
  if (!input.client.firstParty && !input.consentedHere) {
    const missing = request.scopes.filter((s) => !input.consentedScopes.has(s));
    if (missing.length > 0 || prompt.has('consent')) {
      return prompt.has('none') ? { step: 'error', error: new ConsentRequired('the user has not consented to this client') } : { step: 'consent', scopes: request.scopes };
    }
  }
  return { step: 'issue', session: session! };
}
