import { kekSecrets } from '../crypto/derived_keys';
import { openJsonWithAny, sealJson } from '../crypto/sealed';
import type { Bindings } from '../env';
import type { UpstreamSession } from '../storage/upstreams';
import { discover } from './client';
import { upstreams } from './registry';

/**
 * RP-initiated logout at an upstream (RP-Initiated Logout 1.0 §2, issue 11): when our session came
 * from an upstream configured with `end_session`, our logout (already done) continues at the
 * upstream's end_session_endpoint with the upstream's ID token as `id_token_hint`, and comes back to
 * `/upstream/SLUG/logged-out` with a sealed `state` saying how our own logout ends (the relying
 * party's post_logout_redirect_uri, the front-channel iframes to render).
 */

export interface LogoutContinuation {
  returnTo?: string;
  frames: { clientName: string; url: string }[];
  clientName?: string;
  lang: string;
}

export const LOGOUT_STATE_PURPOSE = 'upstream-logout-state';
const PURPOSE = LOGOUT_STATE_PURPOSE;
const TTL = 600;
const MAX_FRAMES = 10;

export const loggedOutUri = (issuer: string, slug: string) => `${issuer}/upstream/${slug}/logged-out`;

/** The upstream's end_session URL for this session, or null (not configured, no endpoint, or the upstream unreachable). */
export async function upstreamLogoutUrl(env: Bindings, ourIssuer: string, s: UpstreamSession, then: LogoutContinuation): Promise<string | null> {
  const u = (await upstreams(env)).get(s.upstream);
  if (!u?.endSession) return null;
  let endpoint: string | undefined;
  try {
    endpoint = (await discover(u, ourIssuer)).as.end_session_endpoint;
  } catch {
    return null;
  }
  if (!endpoint) return null;
  const state = await sealJson(env.KEY_ENCRYPTION_KEY, PURPOSE, u.slug, { ...then, frames: then.frames.slice(0, MAX_FRAMES), exp: Math.floor(Date.now() / 1000) + TTL });
  const url = new URL(endpoint);
  if (s.idToken) url.searchParams.set('id_token_hint', s.idToken);
  url.searchParams.set('client_id', u.clientId);
  url.searchParams.set('post_logout_redirect_uri', loggedOutUri(ourIssuer, u.slug));
  url.searchParams.set('state', state);
  return url.href;
}

/** How our logout ends after the upstream's, from the state it sent back; null if altered or expired. */
export async function continuationOf(env: Bindings, slug: string, state: string): Promise<LogoutContinuation | null> {
  // A state sealed just before a KEY_ENCRYPTION_KEY rotation still opens (the previous key).
  const c = (await openJsonWithAny<LogoutContinuation & { exp: number }>(kekSecrets(env), PURPOSE, slug, state))?.value;
  return c && typeof c.exp === 'number' && c.exp > Math.floor(Date.now() / 1000) && Array.isArray(c.frames) ? c : null;
}
