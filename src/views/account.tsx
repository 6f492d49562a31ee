import { translator, type Translate } from '../messages';
import type { AccountOverview } from '../session/account_overview';
import { Layout } from './layout';

export interface AccountView {
  userLabel: string;
  overview: AccountOverview;
  csrf: string;
  notice?: string;
  lang?: string;
  t?: Translate;
}

const when = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** The signed-in user's own page: apps (launcher), sessions, clients with access, sign out everywhere. */
export function AccountPage(v: AccountView) {
  const t = v.t ?? translator('en');
  const o = v.overview;
  return (
    <Layout title={t('account.title')} lang={v.lang} wide>
      <h1>{t('account.title')}</h1>
      <p class="lead">{t('account.lead', { user: v.userLabel })}</p>
      {v.notice && <p class="notice">{v.notice}</p>}
      <p>
        <a href="/account/profile">Edit your profile</a>
      </p>

      <h2>{t('account.apps')}</h2>
      {o.apps.length === 0 ? (
        <p class="muted">{t('account.noApps')}</p>
      ) : (
        <ul class="list">
          {o.apps.map((a) => (
            <li>
              <span>{a.name}</span>
              {a.launchUrl && (
                <a class="button" href={a.launchUrl}>
                  {t('account.open')}
                </a>
              )}
            </li>
          ))}
        </ul>
      )}

      <h2>{t('account.sessions')}</h2>
      <ul class="list">
        {o.sessions.map((s) => (
          <li>
            <span class="stack">
              <strong>{s.current ? t('account.thisDevice') : t('account.otherDevice')}</strong>
              {s.session.remembered && <span class="muted"> · {t('account.remembered')}</span>}
              <span class="hint">
                {t('account.since', { when: when(s.session.authTime) })}
                {s.clients.length > 0 && ` · ${s.clients.join(', ')}`}
              </span>
            </span>
          </li>
        ))}
      </ul>

      <h2>{t('account.access')}</h2>
      {o.access.length === 0 ? (
        <p class="muted">{t('account.noAccess')}</p>
      ) : (
        <ul class="list">
          {o.access.map((a) => (
            <li>
              <span class="stack">
                {a.name}
                <span class="hint">{t('account.canSee', { what: a.scopes.filter((x) => x !== 'openid').join(', ') || 'openid' })}</span>
              </span>
              <form method="post" action="/account/revoke">
                <input type="hidden" name="csrf" value={v.csrf} />
                <input type="hidden" name="client_id" value={a.clientId} />
                <button type="submit" class="secondary">
                  {t('account.revoke')}
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}

      <form method="post" action="/account/logout-all">
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit">{t('account.signOutAll')}</button>
        </div>
      </form>
    </Layout>
  );
}

export function SignedOutAccountPage(v: { lang?: string; t?: Translate }) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('account.signedOutTitle')} lang={v.lang}>
      <h1>{t('account.signedOutTitle')}</h1>
      <p class="lead">{t('account.signedOutLead')}</p>
    </Layout>
  );
}
