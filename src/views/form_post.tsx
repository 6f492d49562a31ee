import { raw } from 'hono/html';

/** The page's one script: submit the form at once. Allowed by its hash (FORM_POST_SCRIPT_HASH), nothing else. */
export const FORM_POST_SCRIPT = 'document.forms[0].submit();';

/**
 * OAuth 2.0 Form Post Response Mode §2: the response parameters as hidden inputs of a form that
 * POSTs to the client's redirect_uri. Without JavaScript the visible button sends it.
 */
export function FormPostPage(props: { action: string; fields: [string, string][] }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>Continue to the application</title>
        <link rel="stylesheet" href="/static/style.css" />
      </head>
      <body>
        <main>
          <form method="post" action={props.action}>
            {props.fields.map(([name, value]) => (
              <input type="hidden" name={name} value={value} />
            ))}
            <p>Returning you to the application…</p>
            <button type="submit">Continue</button>
          </form>
        </main>
        <script>{raw(FORM_POST_SCRIPT)}</script>
      </body>
    </html>
  );
}
