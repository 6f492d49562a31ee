import { translator, type Translate } from '../messages';
import { Layout, PageHeading } from './layout';

export interface UpstreamLinkView {
  upstreamName: string;
  /** The local account's username, shown so the user knows which password is asked. */
  account: string;
  action: string;
  cancelAction: string;
  csrf: string;
  error?: string;
  lang?: string;
  t?: Translate;
}

/**
 * Linking an upstream sign-in to an existing local account (issue 11, --link-by-email): never
 * silent; the local account's password is asked once.
 */
export function UpstreamLinkPage(v: UpstreamLinkView) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('link.title')} lang={v.lang}>
      <PageHeading
        title={t('link.title')}
        lead={t('link.lead', { account: v.account, name: v.upstreamName })}
        error={v.error}
      />
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <label for="password">{t('link.password', { account: v.account })}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus />
        <div class="actions">
          <button type="submit">{t('link.submit')}</button>
        </div>
      </form>
      <form method="post" action={v.cancelAction}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit" class="secondary">
            {t('login.cancel')}
          </button>
        </div>
      </form>
    </Layout>
  );
}
