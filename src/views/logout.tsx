import { translator, type Translate } from '../messages';
import type { FrontChannelFrame } from '../logout/end_session';
import { Layout } from './layout';

interface Common {
  lang?: string;
  t?: Translate;
}

export interface LogoutConfirmView extends Common {
  action: string;
  csrf: string;
  clientName?: string;
  remembered: boolean;
  /** The validated request, carried through the form and validated again on submit. */
  hidden: Record<string, string | undefined>;
}

/** RP-Initiated Logout 1.0 §2: asks the user when the request cannot prove which client sent it. */
export function LogoutConfirmPage(v: LogoutConfirmView) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('logout.confirmTitle')} lang={v.lang}>
      <h1>{t('logout.confirmTitle')}</h1>
      {v.clientName && <p class="lead">{t('logout.from', { client: v.clientName })}</p>}
      <p>{t('logout.confirmLead', { what: t('logout.everything') })}</p>
      {v.remembered && <p class="notice">{t('logout.confirmRemembered')}</p>}
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        {Object.entries(v.hidden)
          .filter(([, value]) => value !== undefined)
          .map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
        <div class="actions">
          <button type="submit" name="decision" value="logout">
            {t('logout.yes')}
          </button>
          <button type="submit" name="decision" value="stay" class="secondary">
            {t('logout.no')}
          </button>
        </div>
      </form>
    </Layout>
  );
}

export interface LoggedOutView extends Common {
  frames: FrontChannelFrame[];
  /** Where the browser goes next (the validated post_logout_redirect_uri with state), if anywhere. */
  returnTo?: string;
  clientName?: string;
}

/**
 * The logged-out page. Front-Channel Logout 1.0 §2: one invisible iframe per client's
 * frontchannel_logout_uri; the page then moves on to the post_logout_redirect_uri after the
 * frames have had time to load (a meta refresh: the pages run no script).
 */
export function LoggedOutPage(v: LoggedOutView) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('logout.doneTitle')} lang={v.lang} head={v.returnTo ? <meta http-equiv="refresh" content={`2;url=${v.returnTo}`} /> : undefined}>
      <h1>{t('logout.doneTitle')}</h1>
      <p class="lead">{t('logout.doneLead')}</p>
      {v.frames.length > 0 && (
        <>
          <p>{t('logout.notified')}</p>
          <ul class="scopes">
            {v.frames.map((f) => (
              <li>{f.clientName}</li>
            ))}
          </ul>
          {v.frames.map((f) => (
            <iframe class="logout" src={f.url} title={f.clientName} width="0" height="0" />
          ))}
        </>
      )}
      {v.returnTo && (
        <>
          <p class="muted">{t('logout.returning', { client: v.clientName ?? '' })}</p>
          <div class="actions">
            <a class="button wide" href={v.returnTo}>
              {t('logout.returnLink', { client: v.clientName ?? '' })}
            </a>
          </div>
        </>
      )}
    </Layout>
  );
}

export function StayedSignedInPage(v: Common) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('logout.stayedTitle')} lang={v.lang}>
      <h1>{t('logout.stayedTitle')}</h1>
      <p class="lead">{t('logout.stayedLead')}</p>
    </Layout>
  );
}
