import { Layout } from './layout';

export interface LoginView {
  clientName: string;
  action: string;
  cancelAction: string;
  csrf: string;
  login?: string;
  error?: string;
  lang?: string;
}

export function LoginPage(v: LoginView) {
  return (
    <Layout title="Sign in" lang={v.lang}>
      <h1>Sign in</h1>
      <p class="lead">to continue to {v.clientName}</p>
      {v.error && (
        <p class="alert" role="alert">
          {v.error}
        </p>
      )}
      <form method="post" action={v.action}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <label for="username">Username or email</label>
        <input id="username" name="username" type="text" autocomplete="username" required autofocus value={v.login ?? ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <div class="actions">
          <button type="submit">Sign in</button>
        </div>
      </form>
      <form method="post" action={v.cancelAction}>
        <input type="hidden" name="csrf" value={v.csrf} />
        <div class="actions">
          <button type="submit" class="secondary">Cancel</button>
        </div>
      </form>
    </Layout>
  );
}
