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
  /** Passkey sign-in (PASSKEYS on): where to fetch options and post the answer; `required` for acr phr (no password form). */
  passkey?: { optionsUrl: string; action: string; required: boolean; nonce: string };
  /** Upstream providers (issue 11): one "Continue with NAME" link each, above the password form. */
  upstreams?: { name: string; href: string }[];
  /** LOCAL_PASSWORDS=off: no password form (only the upstream providers, and passkeys). */
  noPasswords?: boolean;
}

/** "Continue with NAME" for each upstream provider: plain links (no script), styled as buttons. */
function UpstreamButtons(props: { v: LoginView; t: Translate }) {
  const { v, t } = props;
  return (
    <div class="upstreams">
      {v.upstreams!.map((u) => (
        <p class="actions">
          <a class="button wide" href={u.href} data-upstream>
            {t('login.continueWith', { name: u.name })}
          </a>
        </p>
      ))}
      {!v.noPasswords && !v.passkey?.required && <p class="hint">{t('login.orPassword')}</p>}
    </div>
  );
}

/** "Sign in with a passkey": shown by the script (it needs WebAuthn), which posts the answer in `credential`. */
function PasskeySignIn(props: { v: LoginView; t: Translate }) {
  const { v, t } = props;
  const p = v.passkey!;
  return (
    <form method="post" action={p.action} data-passkey-signin={p.optionsUrl} data-passkey-autofill={p.required ? undefined : ''} data-passkey-failed={t('passkey.failed')}>
      <input type="hidden" name="csrf" value={v.csrf} />
      <input type="hidden" name="credential" value="" />
      <p class="alert" data-passkey-error hidden />
      <div class="actions" data-passkey-only hidden>
        <button type="button" data-passkey-start>
          {t('passkey.signin')}
        </button>
      </div>
      {!p.required && (
        <p class="hint" data-passkey-only hidden>
          {t('passkey.or')}
        </p>
      )}
    </form>
  );
}

export function LoginPage(v: LoginView) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('login.title')} lang={v.lang} display={v.display} scriptNonce={v.passkey?.nonce}>
      <PageHeading title={t('login.title')} lead={v.passkey?.required ? t('passkey.required', { client: v.clientName }) : t('login.lead', { client: v.clientName })} error={v.error} />
      {v.upstreams && v.upstreams.length > 0 && !v.passkey?.required && <UpstreamButtons v={v} t={t} />}
      {v.passkey && <PasskeySignIn v={v} t={t} />}
      {!v.passkey?.required && !v.noPasswords && (
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        {v.passkey && <input type="hidden" name="passkey_capable" value="" data-passkey-capable />}
        <label for="username">{t('login.username')}</label>
        <input id="username" name="username" type="text" autocomplete={v.passkey ? 'username webauthn' : 'username'} required autofocus value={v.login ?? ''} />
        <label for="password">{t('login.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <label class="check">
          <input type="checkbox" name="remember" value="1" checked={v.remember ?? false} /> {t('login.remember')}
        </label>
        <div class="actions">
          <button type="submit">{t('login.submit')}</button>
        </div>
      </form>
      )}
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
