import { Hono, type Context } from 'hono';
import { parseNewClient, parseNewUser } from '../admin/validate';
import { now } from '../config';
import { hashClientSecret } from '../crypto/client_secret';
import { timingSafeEqual } from '../crypto/hash';
import { hashPassword } from '../crypto/password';
import { randomToken } from '../crypto/random';
import type { AppEnv } from '../env';
import { InvalidRequest, InvalidToken, OAuthError } from '../errors';
import { jsonError } from '../http/json_error';
import { ClientRepository, type Client } from '../storage/clients';
import { UserRepository, type User } from '../storage/users';

/** Operator API behind the ADMIN_TOKEN bearer secret (docs/admin-api.md). */
export const admin = new Hono<AppEnv>();

admin.use('*', async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) return c.json({ error: 'not_found', error_description: 'the admin API is disabled (ADMIN_TOKEN is not set)' }, 404);
  const m = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '');
  if (!m || !(await timingSafeEqual(m[1]!, expected))) {
    c.header('WWW-Authenticate', 'Bearer realm="admin", error="invalid_token"');
    return jsonError(c, new InvalidToken('a valid admin token is required'));
  }
  await next();
});

admin.onError((err, c) => {
  if (err instanceof OAuthError) return jsonError(c, err);
  throw err;
});

async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  if (!(c.req.header('Content-Type') ?? '').toLowerCase().startsWith('application/json')) throw new InvalidRequest('content type must be application/json');
  try {
    return await c.req.json();
  } catch {
    throw new InvalidRequest('body is not valid JSON');
  }
}

const notFound = (c: Context) => c.json({ error: 'not_found', error_description: 'no such record' }, 404);

const clientJson = (client: Client) => ({
  client_id: client.id,
  client_name: client.name,
  redirect_uris: client.redirectUris,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  first_party: client.firstParty,
  created_at: client.createdAt,
});

const userJson = (user: User) => ({ id: user.id, username: user.username, email: user.email, created_at: user.createdAt, claims: user.claims });

admin.post('/clients', async (c) => {
  const input = parseNewClient(await jsonBody(c));
  const secret = input.authMethod === 'none' ? undefined : randomToken(32);
  const client: Client = {
    id: randomToken(16),
    secretHash: secret ? await hashClientSecret(secret) : null,
    name: input.name,
    redirectUris: input.redirectUris,
    tokenEndpointAuthMethod: input.authMethod,
    firstParty: input.firstParty,
    createdAt: now(),
  };
  await new ClientRepository(c.env.DB).insert(client);
  return c.json({ ...clientJson(client), ...(secret ? { client_secret: secret } : {}) }, 201);
});

admin.get('/clients', async (c) => c.json({ clients: (await new ClientRepository(c.env.DB).list()).map(clientJson) }));

admin.get('/clients/:id', async (c) => {
  const client = await new ClientRepository(c.env.DB).find(c.req.param('id'));
  return client ? c.json(clientJson(client)) : notFound(c);
});

admin.delete('/clients/:id', async (c) => ((await new ClientRepository(c.env.DB).delete(c.req.param('id'))) ? c.body(null, 204) : notFound(c)));

admin.post('/users', async (c) => {
  const input = parseNewUser(await jsonBody(c));
  const at = now();
  const user: User = {
    id: crypto.randomUUID(),
    username: input.username,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    claims: input.claims,
    updatedAt: at,
    createdAt: at,
  };
  if (!(await new UserRepository(c.env.DB).insert(user))) {
    return c.json({ error: 'conflict', error_description: 'the username or email is already taken' }, 409);
  }
  return c.json(userJson(user), 201);
});

admin.get('/users', async (c) => c.json({ users: (await new UserRepository(c.env.DB).list()).map(userJson) }));

admin.get('/users/:id', async (c) => {
  const user = await new UserRepository(c.env.DB).find(c.req.param('id'));
  return user ? c.json(userJson(user)) : notFound(c);
});

admin.delete('/users/:id', async (c) => ((await new UserRepository(c.env.DB).delete(c.req.param('id'))) ? c.body(null, 204) : notFound(c)));
