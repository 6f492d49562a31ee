import { UntrustedRedirectError } from '../errors';
import type { Client } from '../storage/clients';
import type { AuthorizeContext } from './request';

/** OIDC Core §3.1.2.1: client_id is REQUIRED; an unknown client cannot be redirected to. */
export function checkClient(ctx: AuthorizeContext, client: Client | null): void {
  if (!client) {
    throw new UntrustedRedirectError(
      'Unknown application',
      ctx.params.has('client_id') ? 'The application that sent you here is not registered with this sign-in service.' : 'The request did not say which application sent you here (client_id is missing).',
    );
  }
  ctx.client = client;
  ctx.request.clientId = client.id;
}
