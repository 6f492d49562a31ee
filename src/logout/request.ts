import type { Bindings } from '../env';
import type { Params } from '../http/params';
import type { ClientRepository, Client } from '../storage/clients';
import { verifyIdTokenHint, type IdTokenHint } from '../tokens/id_token_hint';

/** A validated RP-Initiated Logout 1.0 §2 request. */
export interface LogoutRequest {
  client: Client | null;
  hint: IdTokenHint | null;
  /** Registered for `client` (exact match); only then may the user be sent there. */
  postLogoutRedirectUri?: string;
  state?: string;
  uiLocales?: string;
}

/** Whatever makes the request untrustworthy: shown to the user as a page, never redirected. */
export class UntrustedLogoutRequest extends Error {}

/**
 * RP-Initiated Logout 1.0 §2 and §3:
 * - id_token_hint, when sent, must be one of our ID tokens (expired is fine; signature, iss, aud);
 * - client_id, when sent, must be a registered client and, with a hint, one of its audiences;
 * - post_logout_redirect_uri needs a client (from client_id or the hint) and MUST exactly match one
 *   of its registered post_logout_redirect_uris (§3); otherwise the OP MUST NOT redirect.
 */
export async function parseLogoutRequest(env: Bindings, params: Params, issuer: string, clients: ClientRepository): Promise<LogoutRequest> {
  const rawHint = params.get('id_token_hint');
  const hint = rawHint === undefined ? null : await verifyIdTokenHint(env, rawHint, issuer);
  if (rawHint !== undefined && !hint) throw new UntrustedLogoutRequest('The sign-out request carried an ID token that this service did not issue or that was altered.');
  const clientId = params.get('client_id');
  if (clientId !== undefined && hint && !hint.aud.includes(clientId)) throw new UntrustedLogoutRequest('The sign-out request names an application that the ID token was not issued to.');
  const client = await clients.findCached(clientId ?? hint?.aud[0] ?? '');
  if (clientId !== undefined && !client) throw new UntrustedLogoutRequest('The application that sent you here is not registered with this sign-in service.');
  const uri = params.get('post_logout_redirect_uri');
  if (uri !== undefined) {
    if (!client) throw new UntrustedLogoutRequest('The sign-out request did not say which application it came from, so it cannot send you back.');
    if (!(client.postLogoutRedirectUris ?? []).includes(uri)) throw new UntrustedLogoutRequest('The address to return to after signing out is not registered for this application.');
  }
  return { client, hint, postLogoutRedirectUri: uri, state: params.get('state'), uiLocales: params.get('ui_locales') };
}
