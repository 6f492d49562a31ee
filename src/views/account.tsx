import { translator, type Translate } from '../messages';
import type { AccountOverview } from '../session/account_overview';
import { Layout } from './layout';

export interface AccountView {
  userLabel: string;
  overview: AccountOverview;
  csrf: string;
  notice?: string;
  /** An error to show (e.g. a passkey that could not be added or removed). */
  error?: string;
  lang?: string;
  t?: Translate;
  /** The user's passkeys (PASSKEYS on) and the nonce of the page's scripts. */
  passkeys?: { items: PasskeyItem[]; nonce: string };
  /** Sign-ins through upstream providers linked to this account (issue 11), each removable. */
  upstreamLinks?: UpstreamLinkItem[];
}

export interface UpstreamLinkItem {
  upstream: string;
  name: string;
  subject: string;
  createdAt: number;
}

/** "Sign-in providers": the linked upstream accounts, each with a remove form (CSRF token, no script). */
function UpstreamLinks(props: { v: AccountView }) {
  const { v } = props;
  return (
    <>
      <h2>Sign-in providers</h2>
      <ul class="list" data-upstream-links>
        {v.upstreamLinks!.map((l) => (
          <li>
            <span>
              {l.name} <span class="muted">since {new Date(l.createdAt * 1000).toISOString().slice(0, 10)}</span>
            </span>
            <form method="post" action="/account/upstream-links/delete">
              <input type="hidden" name="csrf" value={v.csrf} />
              <input type="hidden" name="upstream" value={l.upstream} />
              <input type="hidden" name="subject" value={l.subject} />
              <button type="submit" class="secondary">
                Remove
              </button>
            </form>
          </li>
        ))}
      </ul>
    </>
  );
}

export interface PasskeyItem {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  synced: boolean;
  backedUp: boolean;
}

/** Passkeys: name, created, last used, device type, backed up; rename, remove, add (the script runs the ceremony). */
function Passkeys(props: { v: AccountView; t: Translate }) {
  const { v, t } = props;
  const items = v.passkeys!.items;
  return (
    <>
      <h2>{t('account.passkeys')}</h2>
      {items.length === 0 ? (
        <p class="muted">{t('account.noPasskeys')}</p>
      ) : (
        <ul class="list" data-passkeys>
          {items.map((p) => (
            <li data-passkey={p.id}>
              <span class="stack">
                <strong>{p.name}</strong>
                <span class="hint">
                  {t('account.passkeyCreated', { when: when(p.createdAt) })} · {p.lastUsedAt ? t('account.passkeyLastUsed', { when: when(p.lastUsedAt) }) : t('account.passkeyNeverUsed')} ·{' '}
                  {p.synced ? t('account.passkeySynced') : t('account.passkeyDevice')} · {p.backedUp ? t('account.passkeyBackedUp') : t('account.passkeyNotBackedUp')}
                </span>
                <form method="post" action="/account/passkeys/rename" class="inline">
                  <input type="hidden" name="csrf" value={v.csrf} />
                  <input type="hidden" name="id" value={p.id} />
                  <label for={`name-${p.id}`}>{t('account.passkeyName')}</label>
                  <input id={`name-${p.id}`} name="name" type="text" required maxlength={64} value={p.name} />
                  <button type="submit" class="secondary">
                    {t('account.passkeyRename')}
                  </button>
                </form>
              </span>
              <form method="post" action="/account/passkeys/delete">
                <input type="hidden" name="csrf" value={v.csrf} />
                <input type="hidden" name="id" value={p.id} />
                <button type="submit" class="secondary">
                  {t('account.passkeyRemove')}
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action="/account/passkeys" data-passkey-register="/account/passkeys/options" data-passkey-failed={t('passkey.failed')}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <input type="hidden" name="credential" value="" />
        <p class="alert" data-passkey-error hidden />
        <div class="actions" data-passkey-only hidden>
          <button type="submit" data-passkey-add>
            {t('account.passkeyAdd')}
          </button>
        </div>
      </form>
    </>
  );
}

const when = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** The signed-in user's own page: apps (launcher), sessions, clients with access, sign out everywhere. */
export function AccountPage(v: AccountView) {
  const t = v.t ?? translator('en');
  const o = v.overview;
  return (
    <Layout title={t('account.title')} lang={v.lang} wide scriptNonce={v.passkeys?.nonce}>
      <h1>{t('account.title')}</h1>
      <p class="lead">{t('account.lead', { user: v.userLabel })}</p>
      {v.notice && <p class="notice">{v.notice}</p>}
      <p>
        <a href="/account/profile">Edit your profile</a>
      </p>
      {v.error && (
        <p class="alert" role="alert">
          {v.error}
        </p>
      )}
      {v.passkeys && <Passkeys v={v} t={t} />}
      {v.upstreamLinks && v.upstreamLinks.length > 0 && <UpstreamLinks v={v} />}

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
