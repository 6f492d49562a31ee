import { audit } from '../../observability/audit';
import { Hono } from 'hono';
import { now } from '../../config';
import { hashClientSecret } from '../../crypto/client_secret';
import { randomToken } from '../../crypto/random';
import type { AppEnv } from '../../env';
import { InvalidRequest } from '../../errors';
import { ClientRepository } from '../../storage/clients';
import { jsonBody, notFound } from './common';

/**
 * Client secret rotation with an overlap: the new secret works at once, the previous one until
 * the overlap ends, so the client's deployments can switch without downtime.
 */
export const adminSecrets = new Hono<AppEnv>();

const DEFAULT_OVERLAP = 24 * 3600;
const MAX_OVERLAP = 30 * 24 * 3600;

adminSecrets.post('/:id/rotate-secret', async (c) => {
  const raw = c.req.header('Content-Length') === '0' ? {} : await jsonBody(c);
  const overlap = (raw as Record<string, unknown> | null)?.overlap ?? DEFAULT_OVERLAP;
  if (!Number.isInteger(overlap) || (overlap as number) < 0 || (overlap as number) > MAX_OVERLAP) throw new InvalidRequest(`overlap must be a whole number of seconds from 0 to ${MAX_OVERLAP}`);
  const clients = new ClientRepository(c.env.DB);
  const client = await clients.find(c.req.param('id'));
  if (!client) return notFound(c);
  if (client.tokenEndpointAuthMethod !== 'client_secret_basic' && client.tokenEndpointAuthMethod !== 'client_secret_post') {
    throw new InvalidRequest(`secrets rotate with an overlap for client_secret_basic and client_secret_post; this client uses ${client.tokenEndpointAuthMethod}`);
  }
  const secret = randomToken(32);
  const previousExpiresAt = (overlap as number) > 0 ? now() + (overlap as number) : 0;
  await clients.rotateSecret(client.id, await hashClientSecret(secret), previousExpiresAt);
  audit('client.secret_rotated', { subject: client.id, details: { previous_secret_expires_at: previousExpiresAt } });
  c.header('Cache-Control', 'no-store');
  return c.json({ client_id: client.id, client_secret: secret, previous_secret_expires_at: previousExpiresAt });
});
