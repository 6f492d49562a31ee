import type { Hono } from 'hono';
import { redirect } from '../../authorize/respond';
import { translator } from '../../messages';
import { continuationOf } from '../../upstream/end_session';
import { ErrorPage } from '../../views/error';
import { LoggedOutPage } from '../../views/logout';
import { renderPage } from '../../views/render';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { endSession } from '../../logout/end_session';
import { audit } from '../../observability/audit';
import { AssertionRepository } from '../../storage/assertions';
import { SessionRepository } from '../../storage/sessions';
import { UpstreamRepository } from '../../storage/upstreams';
import { UpstreamFailure } from '../../upstream/client';
import { verifyLogoutToken } from '../../upstream/logout_token';
import { upstreams } from '../../upstream/registry';

/**
 * Back-Channel Logout from an upstream provider (OpenID Connect Back-Channel Logout 1.0): the
 * upstream POSTs a logout token (§2.5); a valid one (§2.6, upstream/logout_token.ts) ends the local
 * sessions that came from that upstream session (its `sid`) or user (its `sub`), and each ending
 * tells our relying parties as our own logout does (logout/end_session.ts). §2.8: 200 when done,
 * 400 with an error otherwise; never cached.
 */
export function upstreamLogoutRoutes(app: Hono<AppEnv>): void {
  /** Back from the upstream's end_session_endpoint: our logout ends as it would have (routes/logout.tsx). */
  app.get('/:slug/logged-out', async (c) => {
    const then = await continuationOf(c.env, c.req.param('slug'), c.req.query('state') ?? '');
    if (!then) return renderPage(c, <ErrorPage title="Signed out" detail="You are signed out here. This page's link has expired or was altered, so it cannot return you to the application." />, 400);
    if (then.returnTo && then.frames.length === 0) return redirect(c, then.returnTo, 303);
    c.set('frameSrc', [...new Set(then.frames.map((f) => new URL(f.url).origin))]);
    return renderPage(c, <LoggedOutPage lang={then.lang} t={translator(then.lang)} frames={then.frames} returnTo={then.returnTo} clientName={then.clientName} />);
  });

  app.post('/:slug/backchannel-logout', async (c) => {
    c.header('Cache-Control', 'no-store');
    const refuse = (description: string, status: 400 | 503 = 400) => c.json({ error: status === 503 ? 'temporarily_unavailable' : 'invalid_request', error_description: description }, status);
    const u = (await upstreams(c.env)).get(c.req.param('slug'));
    if (!u) return c.json({ error: 'not_found', error_description: 'no such upstream provider' }, 404);
    if (!(c.req.header('Content-Type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return refuse('the logout token is sent as a form (application/x-www-form-urlencoded)');
    const body = await c.req.text();
    if (body.length > 16_384) return refuse('the request is too large');
    const form = new URLSearchParams(body);
    const token = form.getAll('logout_token');
    if (token.length !== 1 || !token[0]) return refuse('logout_token is required, once');
    let claims;
    try {
      claims = await verifyLogoutToken(u, c.var.issuer, token[0]);
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      console.warn(`upstream ${u.slug} logout token refused: ${err.message}`);
      return err.kind === 'unavailable' ? refuse("the upstream's keys cannot be fetched now", 503) : refuse('the logout token is not valid');
    }
    // §2.6 (10): a logout token is used once (its jti, until it expires).
    if (!(await new AssertionRepository(c.env.DB).claim(`upstream-logout:${u.slug}`, claims.jti, claims.exp))) return refuse('the logout token was already used');
    const at = now();
    const sessions = new SessionRepository(c.env.DB);
    const sids = await new UpstreamRepository(c.env.DB).localSids(u.slug, claims.sub, claims.sid);
    let ended = 0;
    for (const sid of sids) {
      const session = await sessions.findBySid(sid, at);
      if (!session) continue;
      await endSession(c.env, session, c.var.issuer);
      ended++;
    }
    audit('upstream.backchannel_logout', { details: { upstream: u.slug, sessions: ended } });
    return c.body(null, 200);
  });
}
