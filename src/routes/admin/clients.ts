import { Hono, type Context } from 'hono';
import { checkClientConsistency, parseClientInput, parseClientLogoutMetadata, type ClientInput } from '../../admin/validate';
import { now } from '../../config';
import { hashClientSecret } from '../../crypto/client_secret';
import { randomToken } from '../../crypto/random';
import type { AppEnv } from '../../env';
import { keyEncryptionKey, sealPrivateKey } from '../../keys/encryption';
import { keyPolicy } from '../../keys/policy_config';
import { ClientRepository, type Client } from '../../storage/clients';
import { jsonBody, notFound } from './common';

export const adminClients = new Hono<AppEnv>();

const LIFETIME_JSON = { access_token: 'access_token_ttl', id_token: 'id_token_ttl', refresh_token: 'refresh_token_ttl', refresh_token_idle: 'refresh_token_idle_ttl' } as const;

export const clientJson = (client: Client) => ({
  client_id: client.id,
  client_name: client.name,
  redirect_uris: client.redirectUris,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  grant_types: client.grantTypes,
  ...(client.scopes ? { scope: client.scopes.join(' ') } : {}),
  first_party: client.firstParty,
  ...(client.idTokenAlg ? { id_token_signed_response_alg: client.idTokenAlg } : {}),
  ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
  ...(client.jwks ? { jwks: client.jwks } : {}),
  ...Object.fromEntries(Object.entries(client.lifetimes).map(([k, v]) => [LIFETIME_JSON[k as keyof typeof LIFETIME_JSON], v])),
  created_at: client.createdAt,
  post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
  ...(client.frontchannelLogoutUri ? { frontchannel_logout_uri: client.frontchannelLogoutUri, frontchannel_logout_session_required: client.frontchannelLogoutSessionRequired ?? true } : {}),
  ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: client.backchannelLogoutSessionRequired ?? true } : {}),
  ...(client.initiateLoginUri ? { initiate_login_uri: client.initiateLoginUri } : {}),
});

/** The fields of `input` applied over `base`. */
function merge(base: Client, input: ClientInput): Client {
  return {
    ...base,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.redirectUris !== undefined ? { redirectUris: input.redirectUris } : {}),
    ...(input.authMethod !== undefined ? { tokenEndpointAuthMethod: input.authMethod } : {}),
    ...(input.firstParty !== undefined ? { firstParty: input.firstParty } : {}),
    ...(input.idTokenAlg !== undefined ? { idTokenAlg: input.idTokenAlg } : {}),
    ...(input.grantTypes !== undefined ? { grantTypes: input.grantTypes } : {}),
    ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
    ...(input.jwks !== undefined ? { jwks: input.jwks } : {}),
    ...(input.jwksUri !== undefined ? { jwksUri: input.jwksUri } : {}),
    ...(input.lifetimes !== undefined ? { lifetimes: { ...base.lifetimes, ...input.lifetimes } } : {}),
  };
}

/**
 * Gives the client the credential its authentication method needs, returning a new secret when
 * one had to be made (shown once). Secrets for basic/post are stored hashed; client_secret_jwt
 * needs the secret as its HMAC key, so that one is stored sealed under KEY_ENCRYPTION_KEY.
 */
export async function withCredentials(c: Context<AppEnv>, client: Client): Promise<{ client: Client; secret?: string }> {
  const method = client.tokenEndpointAuthMethod;
  if (method === 'none' || method === 'private_key_jwt') return { client: { ...client, secretHash: null, secretSealed: null } };
  if (method === 'client_secret_jwt') {
    if (client.secretSealed) return { client: { ...client, secretHash: null } };
    const secret = randomToken(32);
    const sealed = await sealPrivateKey(await keyEncryptionKey(c.env.KEY_ENCRYPTION_KEY), `client-secret:${client.id}`, { k: secret });
    return { client: { ...client, secretHash: null, secretSealed: sealed }, secret };
  }
  if (client.secretHash) return { client: { ...client, secretSealed: null } };
  const secret = randomToken(32);
  return { client: { ...client, secretHash: await hashClientSecret(secret), secretSealed: null }, secret };
}

adminClients.post('/', async (c) => {
  const body = await jsonBody(c);
  const input = parseClientInput(body, keyPolicy(c.env).algorithms, true);
  const logoutMetadata = parseClientLogoutMetadata(body);
  const base: Client = {
    id: randomToken(16),
    secretHash: null,
    secretSealed: null,
    name: '',
    redirectUris: [],
    tokenEndpointAuthMethod: 'client_secret_basic',
    firstParty: false,
    idTokenAlg: null,
    grantTypes: ['authorization_code'],
    scopes: null,
    jwks: null,
    jwksUri: null,
    lifetimes: {},
    createdAt: now(),
  };
  const merged = merge(base, input);
  checkClientConsistency(merged);
  const { client, secret } = await withCredentials(c, merged);
  const clients = new ClientRepository(c.env.DB);
  await clients.insert(client);
  await clients.updateMetadata(client.id, logoutMetadata);
  const stored = (await clients.find(client.id)) ?? client;
  return c.json({ ...clientJson(stored), ...(secret ? { client_secret: secret } : {}) }, 201);
});

adminClients.patch('/:id', async (c) => {
  const clients = new ClientRepository(c.env.DB);
  const existing = await clients.find(c.req.param('id'));
  if (!existing) return notFound(c);
  const body = await jsonBody(c);
  const merged = merge(existing, parseClientInput(body, keyPolicy(c.env).algorithms, false));
  const logoutMetadata = parseClientLogoutMetadata(body);
  checkClientConsistency(merged);
  const { client, secret } = await withCredentials(c, merged);
  await clients.update(client);
  await clients.updateMetadata(client.id, logoutMetadata);
  const stored = (await clients.find(client.id)) ?? client;
  return c.json({ ...clientJson(stored), ...(secret ? { client_secret: secret } : {}) });
});

adminClients.get('/', async (c) => c.json({ clients: (await new ClientRepository(c.env.DB).list()).map(clientJson) }));

adminClients.get('/:id', async (c) => {
  const client = await new ClientRepository(c.env.DB).find(c.req.param('id'));
  return client ? c.json(clientJson(client)) : notFound(c);
});

adminClients.delete('/:id', async (c) => ((await new ClientRepository(c.env.DB).delete(c.req.param('id'))) ? c.body(null, 204) : notFound(c)));
