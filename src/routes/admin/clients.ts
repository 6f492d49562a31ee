import { audit } from '../../observability/audit';
import { Hono } from 'hono';
import { changeClient, clientMetadata, createClient, type ClientStore } from '../../clients/service';
import { parseClientInput } from '../../clients/validate';
import { now } from '../../config';
import type { AppEnv, Bindings } from '../../env';
import { keyPolicy } from '../../keys/policy_config';
import { ClientRepository, type Client } from '../../storage/clients';
import { ConsentRepository } from '../../storage/consents';
import { SessionClientRepository } from '../../storage/session_clients';
import { jsonBody, notFound } from './common';

export const adminClients = new Hono<AppEnv>();

const LIFETIME_JSON = { access_token: 'access_token_ttl', id_token: 'id_token_ttl', refresh_token: 'refresh_token_ttl', refresh_token_idle: 'refresh_token_idle_ttl' } as const;

/** The admin view of a client: its metadata, plus what only the operator sets. */
export const clientJson = (client: Client) => ({
  client_id: client.id,
  ...clientMetadata(client),
  first_party: client.firstParty,
  ...Object.fromEntries(Object.entries(client.lifetimes).map(([k, v]) => [LIFETIME_JSON[k as keyof typeof LIFETIME_JSON], v])),
  created_at: client.createdAt,
});

const store = (env: Bindings): ClientStore => ({ db: env.DB, kekSecret: env.KEY_ENCRYPTION_KEY });

adminClients.post('/', async (c) => {
  const input = parseClientInput(await jsonBody(c), keyPolicy(c.env).algorithms, true);
  const { client, secret } = await createClient(store(c.env), input, { now: now() });
  audit('client.created', { subject: client.id, details: { client_name: client.name, token_endpoint_auth_method: client.tokenEndpointAuthMethod } });
  return c.json({ ...clientJson(client), ...(secret ? { client_secret: secret } : {}) }, 201);
});

adminClients.patch('/:id', async (c) => {
  const existing = await new ClientRepository(c.env.DB).find(c.req.param('id'));
  if (!existing) return notFound(c);
  const body = await jsonBody(c);
  const input = parseClientInput(body, keyPolicy(c.env).algorithms, false);
  const { client, secret } = await changeClient(store(c.env), existing, input);
  audit('client.updated', { subject: client.id, details: { fields: Object.keys(body as object) } });
  return c.json({ ...clientJson(client), ...(secret ? { client_secret: secret } : {}) });
});

adminClients.get('/', async (c) => c.json({ clients: (await new ClientRepository(c.env.DB).list()).map(clientJson) }));

adminClients.get('/:id', async (c) => {
  const client = await new ClientRepository(c.env.DB).find(c.req.param('id'));
  return client ? c.json(clientJson(client)) : notFound(c);
});

/** Who uses the client: its consents and the live sessions signed in to it (newest first, at most 100 each). */
adminClients.get('/:id/activity', async (c) => {
  const id = c.req.param('id');
  const [client, consents, sessions] = await Promise.all([
    new ClientRepository(c.env.DB).find(id),
    new ConsentRepository(c.env.DB).listForClient(id, 100),
    new SessionClientRepository(c.env.DB).liveSessionsOfClient(id, now(), 100),
  ]);
  if (!client) return notFound(c);
  return c.json({
    consents: consents.map((x) => ({ user_id: x.userId, username: x.username, scopes: x.scopes, updated_at: x.updatedAt })),
    sessions: sessions.map((s) => ({ sid: s.sid, user_id: s.userId, auth_time: s.authTime })),
  });
});

adminClients.delete('/:id', async (c) => {
  if (!(await new ClientRepository(c.env.DB).delete(c.req.param('id')))) return notFound(c);
  audit('client.deleted', { subject: c.req.param('id') });
  return c.body(null, 204);
});
