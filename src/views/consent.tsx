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
  action: string;
  csrf: string;
  lang?: string;
}

export function ConsentPage(v: ConsentView) {
  return (
    <Layout title={`Allow ${v.clientName}?`} lang={v.lang}>
      <h1>Allow {v.clientName}?</h1>
      <p class="lead">Signed in as {v.username}. {v.clientName} is asking to:</p>
      <ul class="scopes">
        {v.scopes.map((s) => (
          <li>{SCOPE_DESCRIPTIONS[s] ?? s}</li>
        ))}
      </ul>
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit" name="decision" value="allow">
            Allow
          </button>
          <button type="submit" name="decision" value="deny" class="secondary">
            Deny
          </button>
        </div>
      </form>
      <p class="muted">Your choice is remembered; you will not be asked again for the same access.</p>
    </Layout>
  );
}
