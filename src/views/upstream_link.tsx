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
}

/**
 * Linking an upstream sign-in to an existing local account (issue 11, --link-by-email): never
 * silent; the local account's password is asked once.
 */
export function UpstreamLinkPage(v: UpstreamLinkView) {
  return (
    <Layout title="Link your account" lang={v.lang}>
      <PageHeading
        title="Link your account"
        lead={`An account with the same email address already exists here (${v.account}). Enter its password once to sign in to it with ${v.upstreamName} from now on.`}
        error={v.error}
      />
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <label for="password">Password of {v.account}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus />
        <div class="actions">
          <button type="submit">Link and continue</button>
        </div>
      </form>
      <form method="post" action={v.cancelAction}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit" class="secondary">
            Cancel
          </button>
        </div>
      </form>
    </Layout>
  );
}
