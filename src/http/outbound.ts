import { outboundRefusal } from './outbound_address';

/** Why a guarded fetch failed, in our words: safe to show a client (never the upstream's status or body). */
export class OutboundError extends Error {
  constructor(
    readonly reason: 'refused' | 'unreachable' | 'timeout' | 'redirect',
    message: string,
  ) {
    super(message);
  }
}

export interface OutboundOptions {
  /** The OP's issuer identifier: decides whether loopback is allowed (development only). */
  issuer: string;
  timeoutMs: number;
  /** For the log: what is being fetched (e.g. "jwks_uri of client X"). */
  what: string;
}

/**
 * A server-side fetch of a client-supplied URL: refused unless outboundRefusal allows it, with a
 * timeout, and never following a redirect (the target of a redirect would escape the check).
 * Resolves with any other response (its status is the caller's to judge); every failure is an
 * OutboundError whose message says what failed in our words, while the details go to the log.
 */
export async function guardedFetch(uri: string, init: RequestInit, opts: OutboundOptions): Promise<Response> {
  const refusal = outboundRefusal(uri, opts.issuer);
  if (refusal) {
    console.warn(`outbound fetch refused: ${opts.what} ${refusal}`);
    throw new OutboundError('refused', refusal);
  }
  let res: Response;
  try {
    res = await fetch(uri, { ...init, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    console.warn(`outbound fetch failed: ${opts.what}: ${err instanceof Error ? err.message : String(err)}`);
    throw timedOut ? new OutboundError('timeout', `gave no answer within ${opts.timeoutMs / 1000} s`) : new OutboundError('unreachable', 'could not be reached');
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    console.warn(`outbound fetch: ${opts.what} answered a redirect (${res.status}), not followed`);
    throw new OutboundError('redirect', 'answered with a redirect, which is not followed');
  }
  return res;
}
