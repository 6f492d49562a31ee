import type { Context } from 'hono';
import { errorResponse } from '../../authorize/respond';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { AccessDenied } from '../../errors';
import { expectedSubject, subjectForClient } from '../../session/for_request';
import { UpstreamRepository, type Upstream } from '../../storage/upstreams';
import type { UpstreamIdentity } from '../../upstream/client';
import { finish, signedIn, type Loaded } from '../interaction/core';

export interface PendingLink {
  slug: string;
  link: { userId: string; subject: string; idToken: string; sid?: string; acr?: string; authTime?: number };
}

/**
 * The local user is known: sign in as a password sign-in does (routes/interaction/core.tsx
 * signedIn), with amr `fed` (RFC 8176), the upstream's auth_time, and its acr for the ID token
 * when it sent one; the session remembers where it came from (back-channel and RP-initiated logout).
 */
export async function federatedSignIn(c: Context<AppEnv>, loaded: Loaded, u: Upstream, identity: Omit<UpstreamIdentity, 'claims'>, userId: string, amr = ['fed']): Promise<Response> {
  // OIDC Core §3.1.2.1: when the client named the user (id_token_hint, or a sub in the claims parameter), only that user may continue.
  const expected = expectedSubject(loaded.interaction.request);
  if (expected !== undefined && expected !== (await subjectForClient(c.env, loaded.client, userId))) {
    return finish(c, loaded, errorResponse(loaded.interaction.request, c.var.issuer, new AccessDenied(`the account used at ${u.name} is not the one the application asked for`), loaded.client));
  }
  const request = identity.acr ? { ...loaded.interaction.request, acr: identity.acr } : loaded.interaction.request;
  const next: Loaded = { ...loaded, interaction: { ...loaded.interaction, request } };
  const repo = new UpstreamRepository(c.env.DB);
  // The upstream's ID token is kept only for RP-initiated logout at the upstream (end_session): no personal data at rest otherwise.
  // A future auth_time is not believed.
  const authTime = identity.authTime !== undefined && identity.authTime <= now() ? identity.authTime : undefined;
  return signedIn(c, next, userId, false, {
    amr,
    authTime,
    withSession: (session) =>
      repo.rememberSessionStatement({ sid: session.sid, upstream: u.slug, subject: identity.subject, upstreamSid: identity.sid ?? null, idToken: u.endSession ? identity.idToken : '', expiresAt: session.expiresAt }).run(),
  });
}
