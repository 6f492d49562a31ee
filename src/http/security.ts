import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/**
 * Headers for every response. HTML pages may load only our stylesheet and may not be framed
 * (clickjacking defence for the login and consent forms). form-action is left open on purpose:
 * browsers apply it to the redirect after a form POST, which goes to the client's redirect_uri.
 */
export const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const h = c.res.headers;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) h.set(name, value);
  // Front-Channel Logout 1.0 §2: only the logged-out page frames the clients' logout URIs.
  const frames = c.get('frameSrc');
  // Pages with passkeys: only our own scripts carrying this response's nonce (CSP3 §8.2), and
  // fetch() to our own origin (the WebAuthn options). No inline script, no other origin.
  const nonce = c.get('scriptNonce');
  const additions = [
    ...(frames && frames.length > 0 ? [`frame-src ${frames.join(' ')}`] : []),
    ...(nonce ? [`script-src 'nonce-${nonce}'`, "connect-src 'self'"] : []),
    // The form_post page: its one inline script by hash, and form-action for its target.
    ...(c.get('cspAdditions') ?? []),
  ];
  if (additions.length > 0) h.set('Content-Security-Policy', [SECURITY_HEADERS['Content-Security-Policy'], ...additions].join('; '));
};
