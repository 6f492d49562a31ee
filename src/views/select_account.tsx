import { translator, type Translate } from '../messages';
import { Layout } from './layout';

export interface AccountChoice {
  sid: string;
  label: string;
  detail: string;
  current: boolean;
}

export interface SelectAccountView {
  clientName: string;
  action: string;
  csrf: string;
  accounts: AccountChoice[];
  lang?: string;
  display?: string;
  t?: Translate;
}

/** prompt=select_account: the accounts signed in to this browser, or another one. */
export function SelectAccountPage(v: SelectAccountView) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('select.title')} lang={v.lang} display={v.display}>
      <h1>{t('select.title')}</h1>
      <p class="lead">{t('select.lead', { client: v.clientName })}</p>
      <ul class="accounts">
        {v.accounts.map((a) => (
          <li>
            <form method="post" action={v.action}>
              <input type="hidden" name="csrf" value={v.csrf} />
              <button type="submit" name="account" value={a.sid} class="account">
                <span class="name">{a.label}</span>
                <span class="detail">{a.detail}</span>
              </button>
            </form>
          </li>
        ))}
      </ul>
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit" name="account" value="new" class="secondary">
            {t('select.another')}
          </button>
        </div>
      </form>
    </Layout>
  );
}
