import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/**
 * Headers for every response. HTML pages may load only our stylesheet and may not be framed
 * (clickjacking defence for the login and consent forms). form-action is left open on purpose:
 * browsers apply it to the redirect after a form POST, which goes to the client's redirect_uri.
 */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const h = c.res.headers;
  // Front-Channel Logout 1.0 §2: only the logged-out page frames the clients' logout URIs.
  const frames = c.get('frameSrc');
  const frameSrc = frames && frames.length > 0 ? `; frame-src ${frames.join(' ')}` : '';
  h.set('Content-Security-Policy', `default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'${frameSrc}`);
  h.set('X-Frame-Options', 'DENY');
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Referrer-Policy', 'no-referrer');
};
