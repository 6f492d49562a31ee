import type { Child } from 'hono/jsx';

export function Layout(props: { title: string; lang?: string; children?: Child }) {
  return (
    <html lang={props.lang ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/static/style.css" />
      </head>
      <body>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
