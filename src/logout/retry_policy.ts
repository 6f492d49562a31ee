/**
 * When to retry a back-channel logout delivery: pure rules, so they are testable without a network.
 * Back-Channel Logout 1.0 §2.8: the RP answers 200 (204 is accepted too, as many frameworks send
 * it); a failed delivery may be retried. Network errors, timeouts, 5xx and 429 are retried with
 * exponential backoff, bounded in attempts and in total time; other answers are final.
 */
export const MAX_ATTEMPTS = 6;
export const MAX_DELIVERY_SECONDS = 15 * 60;
export const ATTEMPT_TIMEOUT_MS = 5_000;

/** `final`: an error a retry cannot cure (an address the OP refuses to post to, a redirect). */
export type AttemptResult = { kind: 'response'; status: number; retryAfter?: number } | { kind: 'error'; message: string; final?: boolean };

export type Verdict = { outcome: 'delivered' } | { outcome: 'retry'; delaySeconds: number } | { outcome: 'failed' };

export const accepted = (status: number) => status === 200 || status === 204;
const retryable = (r: AttemptResult) => (r.kind === 'error' ? !r.final : r.status >= 500 || r.status === 429);

/** `attempt` is the number of the attempt just made (1 for the first). */
export function judgeAttempt(r: AttemptResult, attempt: number, elapsedSeconds: number, baseDelay: number): Verdict {
  if (r.kind === 'response' && accepted(r.status)) return { outcome: 'delivered' };
  if (!retryable(r) || attempt >= MAX_ATTEMPTS) return { outcome: 'failed' };
  const backoff = baseDelay * 2 ** (attempt - 1);
  // A Retry-After from the RP is honoured, within the overall bound.
  const delaySeconds = Math.min(Math.max(backoff, r.kind === 'response' ? (r.retryAfter ?? 0) : 0), 300);
  if (elapsedSeconds + delaySeconds > MAX_DELIVERY_SECONDS) return { outcome: 'failed' };
  return { outcome: 'retry', delaySeconds };
}

/** RFC 9110 §10.2.3: Retry-After in seconds (an HTTP date is ignored). */
export function parseRetryAfter(value: string | null): number | undefined {
  return value && /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}
