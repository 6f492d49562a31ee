import type { Context, Hono } from 'hono';
import { passwordLogin } from '../../authn/password_login';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { sourceIp } from '../../http/source_ip';
import { audit } from '../../observability/audit';
import { openParked } from '../../session/interaction';
import { UpstreamRepository } from '../../storage/upstreams';
import { UserRepository, type User } from '../../storage/users';
import { upstreams } from '../../upstream/registry';
import { renderPage } from '../../views/render';
import { UpstreamLinkPage } from '../../views/upstream_link';
import type { Translate } from '../../messages';
import { expired, load, loadForPost, presentation, type Loaded } from '../interaction/core';
import { federatedSignIn, type PendingLink } from './sign_in';

/**
 * `--link-by-email` (issue 11): the upstream says the email is verified and a local account has
 * it. Nothing is linked until the user proves that account with its password, once (checked with
 * the sign-in throttle); then the link is written and the sign-in continues as that user.
 */

async function pendingLink(c: Context<AppEnv>, slug: string, id: string): Promise<PendingLink | null> {
  if (id.length > 64) return null;
  const parked = await openParked(c, id);
  const pending = parked?.upstream as PendingLink | undefined;
  return pending?.link && pending.slug === slug ? pending : null;
}

function page(c: Context<AppEnv>, l: Loaded, name: string, user: User, slug: string, error?: (t: Translate) => string, status: 200 | 400 | 429 = 200) {
  const id = l.interaction.id;
  const { t, lang } = presentation(l);
  return renderPage(
    c,
    <UpstreamLinkPage
      upstreamName={name}
      account={user.username}
      action={`/upstream/${slug}/link?interaction=${encodeURIComponent(id)}`}
      cancelAction={`/interaction/${id}/abort`}
      csrf={l.csrf}
      error={error?.(t)}
      t={t}
      lang={lang}
    />,
    status,
  );
}

export function upstreamLinkRoutes(app: Hono<AppEnv>): void {
  app.get('/:slug/link', async (c) => {
    const slug = c.req.param('slug');
    const id = c.req.query('interaction') ?? '';
    const [u, pending, loaded] = await Promise.all([upstreams(c.env).then((m) => m.get(slug)), pendingLink(c, slug, id), load(c, id)]);
    if (!u || !pending || !loaded) return expired(c);
    const user = await new UserRepository(c.env.DB).find(pending.link.userId);
    if (!user) return expired(c);
    return page(c, loaded, u.name, user, slug);
  });

  app.post('/:slug/link', async (c) => {
    const slug = c.req.param('slug');
    const id = c.req.query('interaction') ?? '';
    // The CSRF token of the interaction is checked first (loadForPost).
    const r = await loadForPost(c, id);
    if (r instanceof Response) return r;
    const [u, pending] = await Promise.all([upstreams(c.env).then((m) => m.get(slug)), pendingLink(c, slug, id)]);
    if (!u || !pending) return expired(c);
    const user = await new UserRepository(c.env.DB).find(pending.link.userId);
    if (!user) return expired(c);
    const password = r.form.get('password') ?? '';
    const result = password
      ? await passwordLogin({ env: c.env, ip: sourceIp(c), now: now(), defer: (work) => c.executionCtx.waitUntil(work) }, user.username, password)
      : ({ ok: false, reason: 'invalid' } as const);
    if (!result.ok) {
      if (result.reason === 'throttled') {
        c.header('Retry-After', String(result.retryAfter));
        return page(c, r.loaded, u.name, user, slug, (t) => t('login.throttled', { seconds: result.retryAfter }), 429);
      }
      return page(c, r.loaded, u.name, user, slug, (t) => t('link.wrongPassword'), 400);
    }
    if (result.user.id !== user.id) return page(c, r.loaded, u.name, user, slug, (t) => t('link.wrongPassword'), 400);
    const at = now();
    try {
      await new UpstreamRepository(c.env.DB).insertLinkStatement({ upstream: slug, subject: pending.link.subject, userId: user.id, createdAt: at, lastUsedAt: at }).run();
    } catch (err) {
      // Linked meanwhile (another tab): the existing link stands.
      if (!/UNIQUE|constraint/i.test(String(err))) throw err;
    }
    audit('upstream.linked', { subject: user.id, details: { upstream: slug } });
    const { link } = pending;
    return federatedSignIn(c, r.loaded, u, { subject: link.subject, idToken: link.idToken, sid: link.sid, acr: link.acr, authTime: link.authTime }, user.id, ['fed', 'pwd']);
  });
}
