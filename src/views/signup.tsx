import { translator, type Translate } from '../messages';
import { Layout, PageHeading } from './layout';

export interface SignupView {
  clientName: string;
  action: string;
  csrf: string;
  /** The login page of the same interaction. */
  loginHref: string;
  values?: { username?: string; email?: string; given_name?: string; family_name?: string };
  error?: string;
  lang?: string;
  display?: string;
  t?: Translate;
  /** Passkey sign-up (PASSKEYS on): where to fetch creation options and post the answer. */
  passkey?: { optionsUrl: string; action: string; nonce: string };
}

/** Self-service sign-up (Initiating User Registration via OpenID Connect 1.0, prompt=create). */
export function SignupPage(v: SignupView) {
  const t = v.t ?? translator('en');
  const val = v.values ?? {};
  return (
    <Layout title={t('signup.title')} lang={v.lang} display={v.display} scriptNonce={v.passkey?.nonce}>
      <PageHeading title={t('signup.title')} lead={t('signup.lead', { client: v.clientName })} error={v.error} />
      <form method="post" action={v.action} data-passkey-failed={t('passkey.failed')}>
        <input type="hidden" name="csrf" value={v.csrf} />
        {v.passkey && <input type="hidden" name="credential" value="" />}
        <div class="row">
          <div>
            <label for="given_name">{t('signup.givenName')}</label>
            <input id="given_name" name="given_name" type="text" autocomplete="given-name" required maxlength={100} value={val.given_name ?? ''} />
          </div>
          <div>
            <label for="family_name">{t('signup.familyName')}</label>
            <input id="family_name" name="family_name" type="text" autocomplete="family-name" required maxlength={100} value={val.family_name ?? ''} />
          </div>
        </div>
        <label for="username">{t('signup.username')}</label>
        <input id="username" name="username" type="text" autocomplete="username" required minlength={3} maxlength={64} pattern="[A-Za-z0-9._\-]{3,64}" value={val.username ?? ''} aria-describedby="username-hint" />
        <p class="hint" id="username-hint">
          {t('signup.usernameHint')}
        </p>
        <label for="email">{t('signup.email')}</label>
        <input id="email" name="email" type="email" autocomplete="email" required maxlength={254} value={val.email ?? ''} />
        <label for="password">{t('signup.password')}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required={!v.passkey} minlength={10} aria-describedby="password-hint" />
        <p class="hint" id="password-hint">
          {t('signup.passwordHint')}
        </p>
        <label for="password_confirm">{t('signup.confirm')}</label>
        <input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" required={!v.passkey} minlength={10} />
        <div class="actions">
          <button type="submit">{t('signup.submit')}</button>
        </div>
        {v.passkey && (
          <div data-passkey-only hidden>
            <p class="alert" data-passkey-error hidden />
            <div class="actions">
              <button type="button" class="secondary" data-passkey-create={v.passkey.optionsUrl} data-passkey-action={v.passkey.action}>
                {t('passkey.signup')}
              </button>
            </div>
            <p class="hint">{t('passkey.signupHint')}</p>
          </div>
        )}
      </form>
      <p class="switch">
        {t('signup.haveAccount')} <a href={v.loginHref}>{t('signup.signinLink')}</a>
      </p>
    </Layout>
  );
}
