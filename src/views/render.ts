import type { Context } from 'hono';

/**
 * Renders a full HTML document through the context (so cookies set on it are kept).
 * Pages with forms or personal data are never cached.
 */
export function renderPage(c: Context, page: { toString(): string }, status: 200 | 400 | 403 | 404 | 405 | 429 | 503 = 200): Response {
  c.header('Cache-Control', 'no-store');
  return c.html(`<!DOCTYPE html>${page.toString()}`, status);
}
