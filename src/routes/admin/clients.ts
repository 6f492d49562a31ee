import { Hono } from 'hono';
import { parseClientLogoutMetadata, parseNewClient } from '../../admin/validate';
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
  post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
  ...(client.frontchannelLogoutUri ? { frontchannel_logout_uri: client.frontchannelLogoutUri, frontchannel_logout_session_required: client.frontchannelLogoutSessionRequired ?? true } : {}),
  ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: client.backchannelLogoutSessionRequired ?? true } : {}),
  ...(client.initiateLoginUri ? { initiate_login_uri: client.initiateLoginUri } : {}),
});

adminClients.post('/', async (c) => {
  const body = await jsonBody(c);
  const input = parseNewClient(body, keyPolicy(c.env).algorithms);
  const logoutMetadata = parseClientLogoutMetadata(body);
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
  const clients = new ClientRepository(c.env.DB);
  await clients.insert(client);
  await clients.updateMetadata(client.id, logoutMetadata);
  const stored = (await clients.find(client.id)) ?? client;
  return c.json({ ...clientJson(stored), ...(secret ? { client_secret: secret } : {}) }, 201);
});

adminClients.get('/', async (c) => c.json({ clients: (await new ClientRepository(c.env.DB).list()).map(clientJson) }));

adminClients.get('/:id', async (c) => {
  const client = await new ClientRepository(c.env.DB).find(c.req.param('id'));
  return client ? c.json(clientJson(client)) : notFound(c);
});

/** Changes the logout and login-initiation metadata (`clients update`); other members are refused. */
adminClients.patch('/:id', async (c) => {
  const body = await jsonBody(c);
  const metadata = parseClientLogoutMetadata(body);
  const UPDATABLE = ['post_logout_redirect_uris', 'frontchannel_logout_uri', 'frontchannel_logout_session_required', 'backchannel_logout_uri', 'backchannel_logout_session_required', 'initiate_login_uri'];
  const unknown = Object.keys(body as object).find((k) => !UPDATABLE.includes(k));
  if (unknown) return c.json({ error: 'invalid_request', error_description: `${unknown} cannot be updated; updatable: ${UPDATABLE.join(', ')}` }, 400);
  const clients = new ClientRepository(c.env.DB);
  if (!(await clients.updateMetadata(c.req.param('id'), metadata))) return notFound(c);
  const client = await clients.find(c.req.param('id'));
  return client ? c.json(clientJson(client)) : notFound(c);
});

adminClients.delete('/:id', async (c) => ((await new ClientRepository(c.env.DB).delete(c.req.param('id'))) ? c.body(null, 204) : notFound(c)));

