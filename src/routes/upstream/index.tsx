import { Hono, type Context } from 'hono';
import { needsPasskey } from '../../authorize/decide';
import { errorResponse, redirect } from '../../authorize/respond';
import { now } from '../../config';
import { timingSafeEqual } from '../../crypto/hash';
import type { AppEnv } from '../../env';
import { AccessDenied, TemporarilyUnavailable } from '../../errors';
import { methodNotAllowed } from '../../http/json_error';
import { openParked, saveParked } from '../../session/interaction';
import type { Upstream } from '../../storage/upstreams';
import { provision } from '../../upstream/accounts';
import { finishCallback, startUrl, UpstreamFailure, type PendingUpstream, type UpstreamIdentity } from '../../upstream/client';
import { upstreamJwks } from '../../upstream/client_key';
import { upstreams } from '../../upstream/registry';
import { JWKS_CONTENT_TYPE } from '../jwks';
import { ErrorPage } from '../../views/error';
import { renderPage } from '../../views/render';
import { upstreamLinkRoutes } from './link';
import { upstreamLogoutRoutes } from './logout';
import { federatedSignIn, type PendingLink } from './sign_in';
import { expired, finish, load, type Loaded } from '../interaction/core';

/**
 * Signing in through an upstream OpenID provider (issue 11): `GET /upstream/:slug/start` sends the
 * browser there for a parked authorization request, `GET /upstream/:slug/callback` takes the answer
 * (upstream/client.ts checks it), finds or creates the local user (upstream/accounts.ts) and
 * finishes the interaction as a password sign-in does, with amr `fed`.
 */
export const upstream = new Hono<AppEnv>();

const unknownUpstream = (c: Context<AppEnv>) =>
  renderPage(c, <ErrorPage title="Unknown sign-in provider" detail="This sign-in provider is not configured here. Go back to the application and start again." />, 404);

/** The upstream's failure as our relying party hears it (OIDC Core §3.1.2.6): access_denied or temporarily_unavailable. */
function failureResponse(c: Context<AppEnv>, l: Loaded, u: Upstream, err: UpstreamFailure): Promise<Response> {
  console.warn(`upstream ${u.slug}: ${err.kind}: ${err.message}`);
  const error =
    err.kind === 'unavailable'
      ? new TemporarilyUnavailable(`${u.name} cannot be reached; try again later`)
      : new AccessDenied(err.kind === 'denied' ? `the sign-in at ${u.name} was not completed` : `the answer of ${u.name} could not be verified`);
  return finish(c, l, errorResponse(l.interaction.request, c.var.issuer, error, l.client));
}

upstream.get('/:slug/start', async (c) => {
  const u = (await upstreams(c.env)).get(c.req.param('slug'));
  if (!u) return unknownUpstream(c);
  const id = c.req.query('interaction') ?? '';
  const loaded = await load(c, id);
  if (!loaded) return expired(c);
  const { request } = loaded.interaction;
  // acr phr asks for a passkey here: a federated sign-in cannot give it.
  if (needsPasskey(request)) return redirect(c, `/interaction/${id}`);
  let started: Awaited<ReturnType<typeof startUrl>>;
  try {
    started = await startUrl(u, c.var.issuer, id, {
      prompt: request.prompt.includes('login') ? 'login' : undefined,
      maxAge: request.maxAge,
      loginHint: request.loginHint,
      uiLocales: request.uiLocales,
    });
  } catch (err) {
    if (err instanceof UpstreamFailure) return failureResponse(c, loaded, u, err);
    throw err;
  }
  // The state, nonce and PKCE verifier wait in this interaction's sealed cookie (session/interaction.ts).
  await saveParked(c, { ...loaded, upstream: started.pending });
  return redirect(c, started.url);
});

const cannotComplete = (c: Context<AppEnv>) =>
  renderPage(
    c,
    <ErrorPage title="This sign-in cannot be completed" detail="The answer of the sign-in provider does not belong to a sign-in started in this browser, or it has expired. Go back to the application and start again." />,
    400,
  );

/** The pending upstream sign-in of the interaction named by the state's prefix, if `state` is the one we sent. */
async function pendingFor(c: Context<AppEnv>, slug: string, state: string): Promise<{ pending: PendingUpstream; loaded: Loaded } | null> {
  const id = state.slice(0, Math.max(0, state.indexOf('.')));
  if (!id || id.length > 64) return null;
  const parked = await openParked(c, id);
  const pending = parked?.upstream as PendingUpstream | undefined;
  // RFC 6749 §10.12: the state binds the answer to this browser's request (compared in constant time).
  if (!parked || !pending || pending.slug !== slug || !(await timingSafeEqual(state, pending.state))) return null;
  const loaded = await load(c, id);
  return loaded ? { pending, loaded } : null;
}

upstream.get('/:slug/callback', async (c) => {
  const u = (await upstreams(c.env)).get(c.req.param('slug'));
  if (!u) return unknownUpstream(c);
  const params = new URL(c.req.url).searchParams;
  const found = await pendingFor(c, u.slug, params.get('state') ?? '');
  if (!found) return cannotComplete(c);
  const { pending, loaded } = found;
  let identity: UpstreamIdentity;
  try {
    identity = await finishCallback(c.env, u, c.var.issuer, params, pending);
  } catch (err) {
    if (err instanceof UpstreamFailure) return failureResponse(c, loaded, u, err);
    throw err;
  }
  const at = now();
  const account = await provision(c.env, u, identity.subject, identity.claims, at);
  if (account.kind === 'confirm-link') {
    return startLinkConfirmation(c, loaded, u, identity, account.userId);
  }
  // A disabled account (issue 15) signs in no way at all, through an upstream neither.
  if (account.user.disabledAt) {
    return finish(c, loaded, errorResponse(loaded.interaction.request, c.var.issuer, new AccessDenied('this account is disabled'), loaded.client));
  }
  return federatedSignIn(c, loaded, u, identity, account.user.id);
});

/**
 * Links waiting for the local password (routes/upstream/link.tsx), in the sealed interaction cookie:
 * kept small (no claims; the upstream's ID token only when logout will need it).
 */
async function startLinkConfirmation(c: Context<AppEnv>, loaded: Loaded, u: Upstream, identity: UpstreamIdentity, userId: string): Promise<Response> {
  const pending: PendingLink = { slug: u.slug, link: { userId, subject: identity.subject, idToken: u.endSession ? identity.idToken : '', sid: identity.sid, acr: identity.acr, authTime: identity.authTime } };
  await saveParked(c, { ...loaded, upstream: pending });
  return redirect(c, `/upstream/${u.slug}/link?interaction=${encodeURIComponent(loaded.interaction.id)}`, 303);
}

/**
 * The jwks_uri the operator registers at an upstream that authenticates us with private_key_jwt
 * (OIDC Core §9, RFC 7591 §2): the public key of the pair the OP holds for it, never private members.
 * Cacheable for a few minutes (a rotated key shows within that, and within the registry's 30 s).
 */
upstream.get('/:slug/jwks', async (c) => {
  const u = (await upstreams(c.env)).get(c.req.param('slug'));
  const doc = u ? upstreamJwks(u) : undefined;
  if (!doc || doc.keys.length === 0) return c.json({ error: 'not_found', error_description: 'no such key set' }, 404, { 'Cache-Control': 'no-store' });
  return c.body(JSON.stringify(doc), 200, { 'Content-Type': JWKS_CONTENT_TYPE, 'Cache-Control': 'public, max-age=300' });
});

upstreamLinkRoutes(upstream);
upstreamLogoutRoutes(upstream);

upstream.all('/:slug/:action', (c) => methodNotAllowed(c, 'GET'));
