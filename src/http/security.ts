import type { MiddlewareHandler } from 'hono';

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

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const h = c.res.headers;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) h.set(name, value);
};
