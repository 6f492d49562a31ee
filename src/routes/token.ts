import { Hono } from 'hono';
import { InvalidBasicClient, authenticateClient } from '../authn/client_auth';
import type { AppEnv } from '../env';
import { InvalidRequest, OAuthError, UnsupportedGrantType } from '../errors';
import { authorizationCodeGrant } from '../grants/authorization_code';
import { formParams } from '../http/params';
import { jsonError, methodNotAllowed } from '../http/json_error';
import { ClientRepository } from '../storage/clients';

/** RFC 6749 §3.2 token endpoint: POST only, form-encoded. */
export const token = new Hono<AppEnv>();

token.post('/', async (c) => {
  try {
    const body = await formParams(c.req.raw);
    const client = await authenticateClient(new ClientRepository(c.env.DB), c.req.header('Authorization'), body);
    const grantType = body.get('grant_type');
    if (!grantType) throw new InvalidRequest('grant_type is required');
    if (grantType !== 'authorization_code') throw new UnsupportedGrantType(`grant_type ${grantType} is not supported`);
    const response = await authorizationCodeGrant(c.env, client, body, c.var.issuer);
    // RFC 6749 §5.1: responses carrying tokens MUST NOT be cached.
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    return c.json(response);
  } catch (err) {
    if (err instanceof InvalidBasicClient || (err instanceof OAuthError && err.error === 'invalid_client')) {
      // RFC 6749 §5.2 and RFC 9110 §15.5.2: a 401 names the scheme to authenticate with.
      return jsonError(c, err, { 'WWW-Authenticate': 'Basic realm="token", charset="UTF-8"' });
    }
    if (err instanceof OAuthError) return jsonError(c, err);
    throw err;
  }
});

token.all('/', (c) => methodNotAllowed(c, 'POST'));
