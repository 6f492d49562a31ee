import { audit } from '../../observability/audit';
import { Hono } from 'hono';
import { now } from '../../config';
import { randomToken } from '../../crypto/random';
import type { AppEnv } from '../../env';
import { InvalidRequest } from '../../errors';
import { InitialAccessTokenRepository } from '../../storage/initial_access_tokens';
import { jsonBody } from './common';

/** Initial access tokens for the registration endpoint (RFC 7591 §3), issued by the operator. */
export const adminRegistration = new Hono<AppEnv>();

const DEFAULT_TTL = 24 * 3600;
const MAX_TTL = 90 * 24 * 3600;
const MAX_USES = 1000;

function whole(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new InvalidRequest(`${name} must be a whole number from ${min} to ${max}`);
  return value as number;
}

adminRegistration.post('/tokens', async (c) => {
  const raw = c.req.header('Content-Length') === '0' ? {} : await jsonBody(c);
  const body = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const uses = whole(body.uses, 'uses', 1, MAX_USES, 1);
  const ttl = whole(body.ttl, 'ttl', 1, MAX_TTL, DEFAULT_TTL);
  const at = now();
  const token = randomToken(32);
  await new InitialAccessTokenRepository(c.env.DB).create(token, uses, at + ttl, at);
  audit('registration_token.issued', { details: { uses, expires_at: at + ttl } });
  c.header('Cache-Control', 'no-store');
  // Shown once: only its hash is stored.
  return c.json({ initial_access_token: token, expires_at: at + ttl, uses }, 201);
});
