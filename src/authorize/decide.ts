import { ConsentRequired, InteractionRequired, LoginRequired, type OAuthError } from '../errors';
import type { Client } from '../storage/clients';
import type { Session } from '../storage/sessions';
import { requiredSubject, scopesImpliedBy } from '../tokens/claims_request';
import { ACR_PHISHING_RESISTANT } from './check_claims';
import type { AuthorizationRequest } from './request';

/** RFC 8176: a key held by an authenticator (hwk, or swk for a synced passkey) and user verification (user). */
export const isPhishingResistant = (amr: readonly string[]): boolean => (amr.includes('hwk') || amr.includes('swk')) && amr.includes('user');

/** The acr phr asks for a passkey with user verification. */
export const needsPasskey = (request: Pick<AuthorizationRequest, 'acr'>): boolean => request.acr === ACR_PHISHING_RESISTANT;

export type NextStep =
  | { step: 'login' }
  | { step: 'signup' }
  | { step: 'select_account' }
  | { step: 'consent'; scopes: string[] }
  | { step: 'issue'; session: Session }
  | { step: 'error'; error: OAuthError };

export interface DecisionInput {
  request: AuthorizationRequest;
  client: Client;
  session: Session | null;
  /**
   * The session user's `sub` as this client sees it (OIDC Core §8: pairwise clients their own), to
   * compare with the `sub` an id_token_hint or the claims parameter names. Null without a session.
   */
  sessionSubject: string | null;
  consentedScopes: Set<string>;
  /** The user signed in during this very interaction (satisfies prompt=login and max_age). */
  authenticatedHere: boolean;
  /** The user answered the consent page during this interaction (satisfies prompt=consent). */
  consentedHere: boolean;
  /** The user picked the current session on the account chooser of this interaction (satisfies select_account). */
  accountChosenHere?: boolean;
  /** The user asked on the account chooser to sign in with another account. */
  addAccount?: boolean;
  /** This browser has signed-in accounts besides the current session (or instead of one). */
  otherAccounts?: boolean;
  now: number;
}

/** The scopes consent must cover: the requested ones plus those implied by individually requested claims. */
export function scopesNeedingConsent(request: AuthorizationRequest): string[] {
  return [...new Set([...request.scopes, ...scopesImpliedBy(request.claims)])];
}

/**
 * What the authorization request needs next, per OIDC Core §3.1.2.3-§3.1.2.4:
 * - the account chooser for prompt=select_account when the browser has a session;
 * - sign-up for prompt=create (Initiating User Registration §4) until the user has signed up here;
 * - sign-in when there is no session, when prompt=login asks for it, when the session is older than
 *   max_age, or when the client expects another user (id_token_hint, or a `sub` value in the claims
 *   parameter, §5.5.1: only that user's session may produce a positive response);
 * - consent when the client is not first-party and the scopes were not all approved before, or
 *   prompt=consent.
 * With prompt=none the answer is an error instead of any page (OIDC Core §3.1.2.6): login_required,
 * consent_required, and interaction_required for any other page.
 */
export function decideNextStep(input: DecisionInput): NextStep {
  const next = decideStep(input);
  if (!input.request.prompt.includes('none')) return next;
  switch (next.step) {
    case 'issue':
    case 'error':
      return next;
    case 'login':
      return { step: 'error', error: new LoginRequired('the user is not signed in or must sign in again') };
    case 'consent':
      return { step: 'error', error: new ConsentRequired('the user has not consented to this client') };
    default:
      return { step: 'error', error: new InteractionRequired('the request cannot be completed without user interaction') };
  }
}

function decideStep(input: DecisionInput): NextStep {
  const { request, session } = input;
  const prompt = new Set(request.prompt);
  if (prompt.has('create') && !input.authenticatedHere) return { step: 'signup' };
  // The chooser comes first, so that prompt="select_account login" chooses and then re-authenticates.
  const choosing = prompt.has('select_account') && !input.authenticatedHere && !input.accountChosenHere && !input.addAccount;
  if (choosing && (session || input.otherAccounts)) return { step: 'select_account' };
  const expectedSub = request.idTokenHintSub ?? requiredSubject(request.claims);
  const needsLogin =
    !session ||
    (!input.authenticatedHere &&
      (prompt.has('login') ||
        input.addAccount === true ||
        (request.maxAge !== undefined && input.now - session.authTime > request.maxAge))) ||
    (expectedSub !== undefined && input.sessionSubject !== expectedSub);
  if (needsLogin) return { step: 'login' };
  // acr phr (acr_values or an essential acr claim): only a passkey sign-in with user verification
  // satisfies it, even when a password session exists.
  if (request.acr === ACR_PHISHING_RESISTANT && !isPhishingResistant(session!.amr)) return { step: 'login' };
  if (!input.client.firstParty && !input.consentedHere) {
    const needed = scopesNeedingConsent(request);
    const missing = needed.filter((s) => !input.consentedScopes.has(s));
    if (missing.length > 0 || prompt.has('consent')) return { step: 'consent', scopes: needed };
  }
  return { step: 'issue', session: session! };
}
