import { MESSAGE_KEYS, translator, type MessageKey, type Translate } from '../messages';
import { Layout } from './layout';

/** What each scope lets the application see, in words a person understands. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in and know who you are (a stable identifier for your account)',
  profile: 'Your name and basic profile details',
  email: 'Your email address',
  address: 'Your postal address',
  phone: 'Your phone number',
  offline_access: 'Keep access while you are not using it (stay signed in)',
};

export interface ConsentView {
  clientName: string;
  username: string;
  scopes: string[];
  /** The operator's own words for operator-defined scopes (their `description`). */
  descriptions?: Record<string, string>;
  action: string;
  csrf: string;
  lang?: string;
  display?: string;
  t?: Translate;
}

export function ConsentPage(v: ConsentView) {
  const t = v.t ?? translator('en');
  // A standard scope in the page's language; an operator-defined one by its description; else its name.
  const describe = (s: string) =>
    MESSAGE_KEYS.includes(`scope.${s}` as MessageKey) ? t(`scope.${s}` as MessageKey) : (SCOPE_DESCRIPTIONS[s] ?? v.descriptions?.[s] ?? s);
  return (
    <Layout title={t('consent.title', { client: v.clientName })} lang={v.lang} display={v.display}>
      <h1>{t('consent.title', { client: v.clientName })}</h1>
      <p class="lead">{t('consent.lead', { user: v.username, client: v.clientName })}</p>
      <ul class="scopes">
        {v.scopes.map((s) => (
          <li>{describe(s)}</li>
        ))}
      </ul>
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit" name="decision" value="allow">
            {t('consent.allow')}
          </button>
          <button type="submit" name="decision" value="deny" class="secondary">
            {t('consent.deny')}
          </button>
        </div>
      </form>
      <p class="muted">{t('consent.remembered')}</p>
    </Layout>
  );
}
