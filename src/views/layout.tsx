import type { Child } from 'hono/jsx';

/** `display` (OIDC Core §3.1.2.1): `popup` and `touch` get a compact variant of the same page. */
export function Layout(props: { title: string; lang?: string; display?: string; wide?: boolean; console?: boolean; head?: Child; children?: Child; scriptNonce?: string }) {
  const classes = [props.display === 'popup' || props.display === 'touch' ? 'compact' : '', props.wide ? 'wide' : '', props.console ? 'console' : ''].filter(Boolean).join(' ');
  return (
    <html lang={props.lang ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/static/style.css" />
        {props.head}
      </head>
      <body class={classes || undefined}>
        <main>{props.children}</main>
        {props.scriptNonce && <PasskeyScripts nonce={props.scriptNonce} />}
      </body>
    </html>
  );
}

/** A page's heading, its lead line and, when there is one, the error to show (announced to screen readers). */
export function PageHeading(props: { title: string; lead?: string; error?: string }) {
  return (
    <>
      <h1>{props.title}</h1>
      {props.lead && <p class="lead">{props.lead}</p>}
      {props.error && (
        <p class="alert" role="alert">
          {props.error}
        </p>
      )}
    </>
  );
}

/** The passkey scripts (our own origin, by nonce: http/security.ts); only pages that offer passkeys load them. */
export function PasskeyScripts(props: { nonce: string }) {
  return (
    <>
      <script src="/static/webauthn.js" nonce={props.nonce} />
      <script src="/static/passkeys.js" nonce={props.nonce} />
    </>
  );
}
