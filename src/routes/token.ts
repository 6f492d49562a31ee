import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { InvalidRequest, UnsupportedGrantType } from '../errors';
import { authorizationCodeGrant } from '../grants/authorization_code';
import { clientCredentialsGrant } from '../grants/client_credentials';
import { refreshTokenGrant } from '../grants/refresh_token';
import { withClient } from '../authn/client_request';
import { methodNotAllowed } from '../http/json_error';
import { metric } from '../observability/log';

/** RFC 6749 §3.2 token endpoint: POST only, form-encoded; one module per grant in src/grants/. */
export const token = new Hono<AppEnv>();

const GRANTS = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
} as const;

export const SUPPORTED_GRANT_TYPES = Object.keys(GRANTS);

token.post('/', (c) =>
  withClient(c, '/token', async (client, body) => {
    const grantType = body.get('grant_type');
    if (!grantType) throw new InvalidRequest('grant_type is required');
    if (!Object.hasOwn(GRANTS, grantType)) throw new UnsupportedGrantType(`grant_type ${grantType} is not supported`);
    const response = await GRANTS[grantType as keyof typeof GRANTS](c.env, client, body, c.var.issuer);
    metric('token', grantType, client.id);
    // RFC 6749 §5.1: responses carrying tokens MUST NOT be cached.
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    return c.json(response);
  }),
);

token.all('/', (c) => methodNotAllowed(c, 'POST'));
