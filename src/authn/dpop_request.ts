import type { Context } from 'hono';
import { now } from '../config';
import { OAuthError, UseDpopNonce } from '../errors';
import { jsonError } from '../http/json_error';
import type { AppEnv } from '../env';
import { settings } from '../settings';
import { AssertionRepository } from '../storage/assertions';
import { dpopNonce, verifyDpopProof, type DpopProof, type NonceAudience } from './dpop';

/**
 * The DPoP proof of a request to `path` (RFC 9449 §4), or undefined when it carries none. The
 * expected htu is built from the issuer, so a workers.dev or internal host never matters. A proof's
 * jti is recorded in `used_assertions` under `dpop:<jkt>` (a unique key: concurrent replays in any
 * isolate are caught), purged after its window like client assertion ids.
 */
export async function dpopProofOf(c: Context<AppEnv>, path: string, audience: NonceAudience, accessToken?: string): Promise<DpopProof | undefined> {
  const header = c.req.header('DPoP');
  if (header === undefined) return undefined;
  const assertions = new AssertionRepository(c.env.DB);
  return verifyDpopProof(header, {
    method: c.req.method,
    url: `${c.var.issuer}${path}`,
    accessToken,
    now: now(),
    audience,
    requireNonce: settings(c.env).dpopNonce,
    kekSecret: c.env.KEY_ENCRYPTION_KEY,
    claimJti: (jkt, jti, expiresAt) => assertions.claim(`dpop:${jkt}`, jti, expiresAt),
  });
}

/** RFC 9449 §8.1: the nonce to send in DPoP-Nonce (with use_dpop_nonce, and on success so clients keep up). */
export async function setDpopNonce(c: Context<AppEnv>, audience: NonceAudience): Promise<void> {
  if (!settings(c.env).dpopNonce) return;
  c.header('DPoP-Nonce', await dpopNonce(c.env.KEY_ENCRYPTION_KEY, audience, now()));
}

/** The JSON answer to a refused proof at the token and PAR endpoints (RFC 9449 §5.1, §8): 400, with a fresh nonce for use_dpop_nonce. */
export async function dpopFailure(c: Context<AppEnv>, err: unknown): Promise<Response> {
  if (!(err instanceof OAuthError)) throw err;
  if (err instanceof UseDpopNonce) await setDpopNonce(c, 'as');
  return jsonError(c, err);
}
