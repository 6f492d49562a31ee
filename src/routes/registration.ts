import { Hono, type Context } from 'hono';
import { audit } from '../observability/audit';
import { now } from '../config';
import type { AppEnv } from '../env';
import { InvalidRequest, InvalidToken, OAuthError } from '../errors';
import { readTextLimited } from '../http/body';
import { jsonError, methodNotAllowed } from '../http/json_error';
import { registrationPolicy } from '../registration/policy';
import { bearerToken, clientInformation, parseRegistrationFor, registerClient, registeredClient, updateClient } from '../registration/service';
import { ClientRepository } from '../storage/clients';
import { InitialAccessTokenRepository } from '../storage/initial_access_tokens';
import { sourceIp } from '../http/source_ip';
import { REGISTRATION_IP } from '../throttle/limits';
import { throttleFor } from '../throttle/store';

/**
 * The registration endpoint (OpenID Dynamic Client Registration 1.0 §3, RFC 7591 §3) and the
 * client configuration endpoint (RFC 7592 §2) at /register/:client_id.
 */
export const registration = new Hono<AppEnv>();

const MAX_BODY_BYTES = 64 * 1024;

async function jsonRequestBody(c: Context<AppEnv>): Promise<unknown> {
  if (!(c.req.header('Content-Type') ?? '').toLowerCase().startsWith('application/json')) throw new InvalidRequest('content type must be application/json');
  const text = await readTextLimited(c.req.raw.body, MAX_BODY_BYTES);
  if (text === 'too-large') throw new InvalidRequest('request body is too large');
  if (text === 'not-utf8') throw new InvalidRequest('request body is not valid UTF-8');
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequest('request body is not valid JSON');
  }
}

registration.use('*', async (c, next) => {
  c.header('Cache-Control', 'no-store');
  if (registrationPolicy(c.env) === 'off') return c.json({ error: 'not_found', error_description: 'dynamic client registration is disabled on this OP' }, 404);
  await next();
});

registration.post('/', async (c) => {
  const tokens = new InitialAccessTokenRepository(c.env.DB);
  const at = now();
  const open = registrationPolicy(c.env) === 'open';
  // With REGISTRATION=open, each source IP may attempt REGISTRATION_IP registrations per hour,
  // checked and counted in one atomic step before anything is written (parallel requests cannot
  // overspend it).
  if (open) {
    const reserved = await throttleFor(c.env, `registration:${sourceIp(c)}`).take(at, [{ key: 'ip', policy: REGISTRATION_IP }]);
    if (!reserved.allowed) return jsonError(c, new OAuthError('invalid_request', 'too many registrations from this address; retry later', 429), { 'Retry-After': String(reserved.retryAfter) });
  }
  // RFC 7591 §3: with REGISTRATION=token, an initial access token from the operator is required.
  const initial = registrationPolicy(c.env) === 'token' ? bearerToken(c.req.header('Authorization'), 'an initial access token is required to register') : undefined;
  if (initial !== undefined && !(await tokens.usable(initial, at))) throw new InvalidToken('the initial access token is invalid, expired or used up');
  const input = await parseRegistrationFor(c, await jsonRequestBody(c));
  // Spent only once the request is valid, atomically: concurrent requests cannot overspend it.
  if (initial !== undefined && !(await tokens.spend(initial, at))) throw new InvalidToken('the initial access token is invalid, expired or used up');
  const info = await registerClient(c, input);
  audit('client.registered', { subject: String(info.client_id), actor: initial !== undefined ? 'initial-access-token' : 'anonymous', details: { policy: registrationPolicy(c.env) } });
  return c.json(info, 201);
});

registration.all('/', (c) => methodNotAllowed(c, 'POST'));

registration.get('/:id', async (c) => {
  const { client, token } = await registeredClient(c, c.req.param('id'));
  return c.json(clientInformation(c.var.issuer, client, { registrationAccessToken: token }));
});

registration.put('/:id', async (c) => {
  const { client, token } = await registeredClient(c, c.req.param('id'));
  const updated = await updateClient(c, client, token, await jsonRequestBody(c));
  audit('client.updated', { subject: client.id, actor: `client:${client.id}`, details: { via: 'registration' } });
  return c.json(updated);
});

/** RFC 7592 §2.3: the client, its grants and with them every token it holds, go at once. */
registration.delete('/:id', async (c) => {
  const { client } = await registeredClient(c, c.req.param('id'));
  await new ClientRepository(c.env.DB).delete(client.id);
  audit('client.deleted', { subject: client.id, actor: `client:${client.id}`, details: { via: 'registration' } });
  return c.body(null, 204);
});

registration.all('/:id', (c) => methodNotAllowed(c, 'GET, PUT, DELETE'));

registration.onError((err, c) => {
  if (err instanceof InvalidToken) {
    // RFC 6750 §3: a 401 names the Bearer scheme.
    c.header('WWW-Authenticate', 'Bearer realm="register", error="invalid_token"');
    return jsonError(c, err);
  }
  if (err instanceof OAuthError) return jsonError(c, err);
  throw err;
});
