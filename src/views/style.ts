/** The one stylesheet, served at /static/style.css (CSP allows only same-origin styles). */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #2457c5; --danger: #b3261e; --muted: #5f6368; --border: #d0d4da; --bg: #f5f6f8; --card: #fff; --text: #1b1d21; }
@media (prefers-color-scheme: dark) { :root { --accent: #8ab4f8; --danger: #f28b82; --muted: #9aa0a6; --border: #3c4043; --bg: #17181b; --card: #202124; --text: #e8eaed; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: min(26rem, 100% - 2rem); margin: 2rem auto; background: var(--card); border: 1px solid var(--border); border-radius: 12px; padding: 2rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
p.lead { margin: 0 0 1.5rem; color: var(--muted); }
label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
input[type=text], input[type=password], input[type=email] { width: 100%; padding: .65rem .75rem; font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 8px; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; flex-wrap: wrap; }
button { flex: 1; padding: .7rem 1rem; font: inherit; font-weight: 600; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
.alert { border-left: 4px solid var(--danger); padding: .6rem .8rem; margin: 0 0 1rem; background: color-mix(in srgb, var(--danger) 10%, transparent); }
ul.scopes { padding-left: 1.2rem; }
ul.scopes li { margin: .35rem 0; }
.muted { color: var(--muted); font-size: .9rem; }
body.compact main { margin: .5rem auto; padding: 1.25rem; }
body.wide main { width: min(40rem, 100% - 2rem); }
label.check { display: flex; align-items: center; gap: .5rem; font-weight: 400; margin-top: 1rem; }
label.check input { width: 1.1rem; height: 1.1rem; margin: 0; }
.hint { margin: .3rem 0 0; color: var(--muted); font-size: .85rem; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; }
.switch { margin: 1.5rem 0 0; text-align: center; font-size: .95rem; }
a { color: var(--accent); }
ul.accounts { list-style: none; padding: 0; margin: 0; }
ul.accounts li { margin: 0 0 .6rem; }
button.account { width: 100%; text-align: left; background: transparent; color: var(--text); border: 1px solid var(--border); display: flex; flex-direction: column; gap: .1rem; }
button.account:hover { border-color: var(--accent); }
button.account .detail { font-weight: 400; color: var(--muted); font-size: .9rem; }
ul.list { list-style: none; padding: 0; margin: .5rem 0 1.5rem; }
ul.list li { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .6rem 0; border-bottom: 1px solid var(--border); }
ul.list li:last-child { border-bottom: 0; }
ul.list form { margin: 0; }
ul.list button, a.button { flex: 0 0 auto; padding: .35rem .8rem; font-size: .9rem; }
a.button { display: inline-block; border-radius: 8px; border: 1px solid var(--accent); color: var(--accent); text-decoration: none; font-weight: 600; }
.stack { display: flex; flex-direction: column; gap: .1rem; }
a.button.wide { flex: 1; text-align: center; padding: .7rem 1rem; font-size: 1rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .25rem; }
.notice { border-left: 4px solid var(--accent); padding: .6rem .8rem; margin: 0 0 1rem; background: color-mix(in srgb, var(--accent) 10%, transparent); }
iframe.logout { display: none; }
body.console { place-items: start center; }
body.console main { width: min(72rem, 100% - 2rem); }
nav.console { display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; margin: 0 0 1.25rem; padding-bottom: .75rem; border-bottom: 1px solid var(--border); }
nav.console a[aria-current] { font-weight: 700; text-decoration: none; }
nav.console form { margin: 0 0 0 auto; }
nav.console button, table button, form.inline button { flex: 0 0 auto; padding: .3rem .7rem; font-size: .85rem; }
button.danger { background: var(--danger); border-color: var(--danger); }
form.inline { display: inline-flex; gap: .5rem; align-items: center; margin: .25rem 0; flex-wrap: wrap; }
table.data { width: 100%; border-collapse: collapse; font-size: .9rem; margin: .75rem 0; }
table.data th, table.data td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
table.data th { white-space: nowrap; overflow-wrap: normal; }
body.console textarea, body.console select, body.console input[type=url], body.console input[type=number], body.console input[type=search], body.console input[type=datetime-local] { width: 100%; padding: .5rem .6rem; font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 8px; }
body.console .filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .5rem; align-items: end; }
body.console .filters label { margin: 0 0 .2rem; }
code.secret { display: block; padding: .5rem; border: 1px dashed var(--border); border-radius: 8px; word-break: break-all; }
`;
