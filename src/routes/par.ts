import { Hono } from 'hono';
import { withClient } from '../authn/client_request';
import { pushAuthorizationRequest } from '../authorize/par';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/json_error';
import { signupEnabled } from '../session/config';
import { settings } from '../settings';

/**
 * RFC 9126 pushed authorization request endpoint: POST only, form-encoded; the client
 * authenticates as at the token endpoint (§2). 201 with request_uri and expires_in (§2.2); errors
 * as JSON (§2.3).
 */
export const par = new Hono<AppEnv>();

par.post('/', (c) =>
  withClient(c, '/par', async (client, body) => {
    const pushed = await pushAuthorizationRequest(
      { env: c.env, issuer: c.var.issuer, signupEnabled: signupEnabled(c.env), requireParEverywhere: settings(c.env).requirePar },
      client,
      body,
    );
    c.header('Cache-Control', 'no-store');
    return c.json(pushed, 201);
  }),
);

par.all('/', (c) => methodNotAllowed(c, 'POST'));
