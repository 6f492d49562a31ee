import type { Context } from 'hono';
import { TemporarilyUnavailable } from '../errors';
import { RETRY_AFTER_SECONDS, type StorageUnavailable } from '../storage/resilience';
import { ErrorPage } from '../views/error';
import { renderPage } from '../views/render';
import { jsonError } from '../http/json_error';

/** Paths whose answers are pages a person sees (everything else answers JSON). */
const PAGES = /^\/(authorize|interaction|logout|account)(\/|$)/;

/**
 * A storage failure that survived the retries (src/storage/resilience.ts): 503 with Retry-After
 * (RFC 9110 §15.6.4, §10.2.3); `temporarily_unavailable` on the API endpoints (the OAuth error code
 * of RFC 6749 §4.1.2.1), a page on the pages. Nothing was half-written: the step is safe to repeat.
 */
export function storageUnavailable(c: Context, err: StorageUnavailable): Response {
  console.error(err.message);
  const retryAfter = String(RETRY_AFTER_SECONDS);
  if (PAGES.test(new URL(c.req.url).pathname)) {
    c.header('Retry-After', retryAfter);
    return renderPage(c, <ErrorPage title="Temporarily unavailable" detail="The service could not reach its storage. Please try again in a few seconds." />, 503);
  }
  return jsonError(c, new TemporarilyUnavailable('storage is temporarily unavailable; try again shortly'), { 'Retry-After': retryAfter });
}
