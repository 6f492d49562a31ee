import { expect } from 'vitest';
// Drives the OP's browser UI (login and consent pages) like a user would.
import { Browser, type Form, type Page } from './browser';

export interface Credentials {
  username: string;
  password: string;
}

export interface FlowResult {
  /** The URL the OP finally sent the browser to (the client's redirect_uri with code or error). */
  callback: URL;
  /** Which pages the user saw, in order. */
  pages: ('login' | 'consent')[];
}

export function findForm(page: Page, actionSuffix: 'login' | 'consent'): Form | undefined {
  return page.forms.find((f) => /^\/interaction\/[^/]+\//.test(new URL(f.action, page.url).pathname) && f.action.endsWith(`/${actionSuffix}`));
}

/**
 * Opens `authorizationUrl` in `browser`, signs in with `credentials` when the login page shows,
 * and answers the consent page with `decision`. Returns the callback URL the OP redirected to.
 */
export async function authorize(
  browser: Browser,
  authorizationUrl: URL,
  opts: { credentials?: Credentials; decision?: 'allow' | 'deny' } = {},
): Promise<FlowResult> {
  const pages: FlowResult['pages'] = [];
  let step = await browser.navigate(authorizationUrl);
  for (let i = 0; i < 6; i++) {
    if (step.left) return { callback: step.left, pages };
    const page = step.page!;
    const login = findForm(page, 'login');
    const consent = findForm(page, 'consent');
    if (login) {
      if (!opts.credentials) throw new Error(`unexpected login page at ${page.url}`);
      pages.push('login');
      expect(login.method).toBe('POST');
      expect(login.inputTypes.get('password')).toBe('password');
      expect(login.fields.some(([k, v]) => k === 'csrf' && v.length > 0)).toBe(true);
      step = await browser.submit(page, login, { username: opts.credentials.username, password: opts.credentials.password });
    } else if (consent) {
      pages.push('consent');
      expect(consent.method).toBe('POST');
      expect(consent.fields.some(([k, v]) => k === 'csrf' && v.length > 0)).toBe(true);
      const decision = opts.decision ?? 'allow';
      const button = consent.buttons.find((b) => b.name === 'decision' && b.value === decision);
      if (!button) throw new Error(`no "${decision}" button on the consent page: ${JSON.stringify(consent.buttons)}`);
      step = await browser.submit(page, consent, {}, button);
    } else {
      throw new Error(`unexpected page ${page.url} (HTTP ${page.status}):\n${page.body.slice(0, 2000)}`);
    }
  }
  throw new Error('the flow did not reach the callback');
}
