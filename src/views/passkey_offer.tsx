import { translator, type Translate } from '../messages';
import { Layout, PageHeading } from './layout';

export interface PasskeyOfferView {
  optionsUrl: string;
  action: string;
  skipAction: string;
  csrf: string;
  nonce: string;
  error?: string;
  lang?: string;
  display?: string;
  t?: Translate;
}

/** After a password sign-in without a passkey: add one now, or not now (not asked again for a while). */
export function PasskeyOfferPage(v: PasskeyOfferView) {
  const t = v.t ?? translator('en');
  return (
    <Layout title={t('passkey.offerTitle')} lang={v.lang} display={v.display} scriptNonce={v.nonce}>
      <PageHeading title={t('passkey.offerTitle')} lead={t('passkey.offerLead')} error={v.error} />
      <form method="post" action={v.action} data-passkey-register={v.optionsUrl} data-passkey-failed={t('passkey.failed')}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <input type="hidden" name="credential" value="" />
        <p class="alert" data-passkey-error hidden />
        <div class="actions" data-passkey-only hidden>
          <button type="submit" data-passkey-add>
            {t('passkey.offerAdd')}
          </button>
        </div>
      </form>
      <form method="post" action={v.skipAction}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit" class="secondary" data-passkey-skip>
            {t('passkey.offerSkip')}
          </button>
        </div>
      </form>
    </Layout>
  );
}
