import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, judgeAttempt, parseRetryAfter } from '../../../src/logout/retry_policy';

describe('back-channel logout retry policy', () => {
  it('200 and 204 are accepted; other answers below 500 (but 429) are final failures', () => {
    expect(judgeAttempt({ kind: 'response', status: 200 }, 1, 0, 5)).toEqual({ outcome: 'delivered' });
    expect(judgeAttempt({ kind: 'response', status: 204 }, 3, 0, 5)).toEqual({ outcome: 'delivered' });
    for (const status of [201, 302, 400, 401, 404]) expect(judgeAttempt({ kind: 'response', status }, 1, 0, 5)).toEqual({ outcome: 'failed' });
  });

  it('network errors, timeouts, 5xx and 429 are retried with exponential backoff', () => {
    expect(judgeAttempt({ kind: 'error', message: 'timeout' }, 1, 0, 5)).toEqual({ outcome: 'retry', delaySeconds: 5 });
    expect(judgeAttempt({ kind: 'response', status: 503 }, 2, 5, 5)).toEqual({ outcome: 'retry', delaySeconds: 10 });
    expect(judgeAttempt({ kind: 'response', status: 429 }, 3, 15, 5)).toEqual({ outcome: 'retry', delaySeconds: 20 });
    expect(judgeAttempt({ kind: 'response', status: 429, retryAfter: 60 }, 1, 0, 5)).toEqual({ outcome: 'retry', delaySeconds: 60 });
  });

  it('is bounded in attempts and in total time', () => {
    expect(judgeAttempt({ kind: 'response', status: 500 }, MAX_ATTEMPTS, 10, 1)).toEqual({ outcome: 'failed' });
    expect(judgeAttempt({ kind: 'response', status: 500 }, 2, 899, 5)).toEqual({ outcome: 'failed' });
  });

  it('reads Retry-After seconds only', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
