// A tiny "browser" for e2e tests: a cookie jar, manual redirect following, and HTML form
// extraction/submission. It does what a browser does when a user fills a form and clicks a button.

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires?: number; // ms since epoch
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

let ipCounter = 0;
/** A client IP (10.0.0.0/8) no other browser of this run uses: a counter, with a random part across files. */
const uniqueIp = () => {
  const n = (Math.floor(Math.random() * 0x4000) << 10) | (ipCounter++ & 0x3ff);
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

export class CookieJar {
  private cookies: Cookie[] = [];

  /** Stores the cookies of a response's Set-Cookie headers (host-only; Domain is ignored). */
  store(url: URL, setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair = '', ...attrs] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = {
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        host: url.host,
        path: defaultPath(url),
        secure: false,
        httpOnly: false,
      };
      let maxAge: number | undefined;
      for (const attr of attrs) {
        const i = attr.indexOf('=');
        const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
        const val = i === -1 ? '' : attr.slice(i + 1).trim();
        if (key === 'path' && val.startsWith('/')) cookie.path = val;
        else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
        else if (key === 'expires') {
          const t = Date.parse(val);
          if (!Number.isNaN(t)) cookie.expires = t;
        } else if (key === 'secure') cookie.secure = true;
        else if (key === 'httponly') cookie.httpOnly = true;
        else if (key === 'samesite') cookie.sameSite = val.toLowerCase();
      }
      if (maxAge !== undefined) cookie.expires = Date.now() + maxAge * 1000;
      // Browsers accept Secure cookies from http://localhost-style origins (potentially trustworthy).
      if (cookie.secure && url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) continue;
      this.cookies = this.cookies.filter((c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path));
      if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
    }
  }

  /** The Cookie header a browser would send to `url` (longest paths first). */
  header(url: URL): string | undefined {
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    const matching = this.cookies
      .filter((c) => c.host === url.host && pathMatches(url.pathname, c.path))
      .filter((c) => !c.secure || url.protocol === 'https:' || LOOPBACK.has(url.hostname))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  get(name: string, url?: URL): string | undefined {
    return this.cookies.find((c) => c.name === name && (!url || (c.host === url.host && pathMatches(url.pathname, c.path))))?.value;
  }

  all(): readonly Cookie[] {
    return this.cookies;
  }
}

// --- HTML forms -------------------------------------------------------------------------------

export interface FormButton {
  name?: string;
  value: string;
  label: string;
}

export interface Form {
  action: string; // as written in the page (resolve against the page URL)
  method: string;
  enctype: string;
  /** Named inputs (not buttons) with their current values, in document order. */
  fields: [string, string][];
  /** Inputs by type, e.g. inputTypes.get('password') === 'password'. */
  inputTypes: Map<string, string>;
  buttons: FormButton[];
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos' || k === '#39') return "'";
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
    if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10));
    return m;
  });
}

/** Parses the attributes part of a start tag, e.g. ` type="text" name=a disabled`. */
export function parseAttributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const body = tag;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const name = m[1]!.toLowerCase();
    if (!attrs.has(name)) attrs.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

/** Extracts the forms of an HTML page (inputs, textareas, selects' selected options, buttons). */
export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
  let fm: RegExpExecArray | null;
  while ((fm = formRe.exec(html))) {
    const fa = parseAttributes(fm[1]!);
    const inner = fm[2]!.replace(/<!--[\s\S]*?-->/g, '');
    const form: Form = {
      action: fa.get('action') ?? '',
      method: (fa.get('method') ?? 'get').toUpperCase(),
      enctype: fa.get('enctype') ?? 'application/x-www-form-urlencoded',
      fields: [],
      inputTypes: new Map(),
      buttons: [],
    };
    const tagRe = /<(input|button|textarea|select)\b([^>]*)>(?:([\s\S]*?)<\/\1\s*>)?/gi;
    let tm: RegExpExecArray | null;
    while ((tm = tagRe.exec(inner))) {
      const tagName = tm[1]!.toLowerCase();
      const a = parseAttributes(tm[2]!);
      const content = tm[3] ?? '';
      const name = a.get('name');
      if (a.has('disabled')) continue;
      if (tagName === 'button') {
        const type = (a.get('type') ?? 'submit').toLowerCase();
        if (type === 'submit') {
          form.buttons.push({ name, value: a.get('value') ?? '', label: decodeEntities(content.replace(/<[^>]*>/g, '').trim()) });
        }
        continue;
      }
      if (tagName === 'input') {
        // An <input> is a void element: the regex may have swallowed following markup as content.
        if (tm[3] !== undefined) tagRe.lastIndex = tm.index + tm[0].indexOf('>') + 1;
        const type = (a.get('type') ?? 'text').toLowerCase();
        if (type === 'submit' || type === 'image') {
          form.buttons.push({ name, value: a.get('value') ?? '', label: a.get('value') ?? '' });
          continue;
        }
        if (!name || type === 'file' || type === 'reset' || type === 'button') continue;
        if ((type === 'checkbox' || type === 'radio') && !a.has('checked')) {
          form.inputTypes.set(name, type);
          continue;
        }
        form.fields.push([name, a.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')]);
        form.inputTypes.set(name, type);
        continue;
      }
      if (!name) continue;
      if (tagName === 'textarea') {
        form.fields.push([name, decodeEntities(content)]);
        form.inputTypes.set(name, 'textarea');
      } else if (tagName === 'select') {
        const options = [...content.matchAll(/<option\b([^>]*)>([^<]*)/gi)];
        const chosen = options.find((o) => parseAttributes(o[1]!).has('selected')) ?? options[0];
        if (chosen) {
          const oa = parseAttributes(chosen[1]!);
          form.fields.push([name, oa.get('value') ?? decodeEntities(chosen[2]!.trim())]);
        }
        form.inputTypes.set(name, 'select');
      }
    }
    forms.push(form);
  }
  return forms;
}

// --- Browser ----------------------------------------------------------------------------------

export interface Page {
  url: URL;
  status: number;
  headers: Headers;
  body: string;
  forms: Form[];
}

export interface Hop {
  method: string;
  url: string;
  status: number;
  location?: string;
}

export class Browser {
  readonly jar = new CookieJar();
  /** Every request made, in order (for assertions on the path a flow took). */
  readonly history: Hop[] = [];

  /** This browser's client IP, sent as CF-Connecting-IP (wrangler dev keeps it), so throttle counters never leak between tests. */
  readonly ip: string;

  /**
   * @param stayOn origins the browser actually loads; navigating elsewhere (e.g. to a relying
   *   party's redirect_uri that nothing serves) stops and returns that URL instead.
   * @param opts.ip the client IP to present (default: one no other browser uses)
   */
  constructor(
    private readonly stayOn: string[],
    opts: { ip?: string } = {},
  ) {
    this.ip = opts.ip ?? uniqueIp();
  }

  /** One HTTP request with cookies; no redirect following. */
  async request(url: URL | string, init: { method?: string; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(u);
    if (cookie) headers.set('cookie', cookie);
    if (!headers.has('accept')) headers.set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    if (!headers.has('user-agent')) headers.set('user-agent', 'e2e-test-browser/1.0');
    if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', this.ip);
    const method = init.method ?? 'GET';
    const res = await fetch(u, { method, headers, body: init.body, redirect: 'manual' });
    this.jar.store(u, res.headers.getSetCookie());
    this.history.push({ method, url: u.href, status: res.status, location: res.headers.get('location') ?? undefined });
    return res;
  }

  /**
   * Navigates like a browser: follows redirects (303 and 301/302 after POST become GET) while they
   * stay on the allowed origins. Returns either the final page, or `left` with the URL the browser
   * was sent to outside those origins (the client's callback).
   */
  async navigate(
    url: URL | string,
    init: { method?: string; body?: BodyInit; headers?: Record<string, string> } = {},
  ): Promise<{ page?: Page; left?: URL }> {
    let current = new URL(url);
    let method = init.method ?? 'GET';
    let body = init.body;
    let headers = init.headers;
    for (let hops = 0; hops < 20; hops++) {
      if (!this.stayOn.includes(current.origin)) return { left: current };
      const res = await this.request(current, { method, body, headers });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        current = new URL(location, current);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers = undefined;
        }
        continue;
      }
      const text = await res.text();
      return { page: { url: current, status: res.status, headers: res.headers, body: text, forms: parseForms(text) } };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /**
   * Submits `form` of `page` as a browser would after the user typed `values` and clicked
   * `button` (the submit button whose name/value is included).
   */
  submit(page: Page, form: Form, values: Record<string, string> = {}, button?: FormButton) {
    const fields = form.fields.map(([k, v]): [string, string] => [k, k in values ? values[k]! : v]);
    for (const [k, v] of Object.entries(values)) if (!form.fields.some(([name]) => name === k)) fields.push([k, v]);
    if (button?.name) fields.push([button.name, button.value]);
    const action = new URL(form.action || page.url.href, page.url);
    if (form.method === 'GET') {
      action.search = new URLSearchParams(fields).toString();
      return this.navigate(action);
    }
    return this.navigate(action, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: page.url.origin, referer: page.url.href },
    });
  }
}
