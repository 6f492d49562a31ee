import { translator, type Translate } from '../messages';
import { Layout, PageHeading } from './layout';

export interface LoginView {
  clientName: string;
  action: string;
  cancelAction: string;
  csrf: string;
  login?: string;
  error?: string;
  lang?: string;
  display?: string;
  /** The sign-up page of this interaction, when self-service sign-up is on. */
  signupHref?: string;
  remember?: boolean;
  t?: Translate;
}

export function LoginPage(v: LoginView) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('login.title')} lang={v.lang} display={v.display}>
      <PageHeading title={t('login.title')} lead={t('login.lead', { client: v.clientName })} error={v.error} />
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <label for="username">{t('login.username')}</label>
        <input id="username" name="username" type="text" autocomplete="username" required autofocus value={v.login ?? ''} />
        <label for="password">{t('login.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <label class="check">
          <input type="checkbox" name="remember" value="1" checked={v.remember ?? false} /> {t('login.remember')}
        </label>
        <div class="actions">
          <button type="submit">{t('login.submit')}</button>
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
      {v.signupHref && (
        <p class="switch">
          {t('login.noAccount')} <a href={v.signupHref}>{t('login.signupLink')}</a>
        </p>
      )}
    </Layout>
  );
}
