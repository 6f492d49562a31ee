import { Hono } from 'hono';
import { parseNewClient } from '../../admin/validate';
import { now } from '../../config';
import { hashClientSecret } from '../../crypto/client_secret';
import { randomToken } from '../../crypto/random';
import { keyPolicy } from '../../keys/policy_config';
import type { AppEnv } from '../../env';
import { ClientRepository, type Client } from '../../storage/clients';
import { jsonBody, notFound } from './common';

export const adminClients = new Hono<AppEnv>();

const clientJson = (client: Client) => ({
  client_id: client.id,
  client_name: client.name,
  redirect_uris: client.redirectUris,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  first_party: client.firstParty,
  ...(client.idTokenAlg ? { id_token_signed_response_alg: client.idTokenAlg } : {}),
  created_at: client.createdAt,
});

adminClients.post('/', async (c) => {
  const input = parseNewClient(await jsonBody(c), keyPolicy(c.env).algorithms);
  const secret = input.authMethod === 'none' ? undefined : randomToken(32);
  const client: Client = {
    id: randomToken(16),
    secretHash: secret ? await hashClientSecret(secret) : null,
    name: input.name,
    redirectUris: input.redirectUris,
    tokenEndpointAuthMethod: input.authMethod,
    firstParty: input.firstParty,
    idTokenAlg: input.idTokenAlg,
    createdAt: now(),
  };
  await new ClientRepository(c.env.DB).insert(client);
  return c.json({ ...clientJson(client), ...(secret ? { client_secret: secret } : {}) }, 201);
});

adminClients.get('/', async (c) => c.json({ clients: (await new ClientRepository(c.env.DB).list()).map(clientJson) }));

adminClients.get('/:id', async (c) => {
  const client = await new ClientRepository(c.env.DB).find(c.req.param('id'));
  return client ? c.json(clientJson(client)) : notFound(c);
});

adminClients.delete('/:id', async (c) => ((await new ClientRepository(c.env.DB).delete(c.req.param('id'))) ? c.body(null, 204) : notFound(c)));

