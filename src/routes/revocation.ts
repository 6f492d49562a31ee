import { Hono } from 'hono';
import { now } from '../config';
import type { AppEnv } from '../env';
import { InvalidRequest } from '../errors';
import { withClient } from '../authn/client_request';
import { methodNotAllowed } from '../http/json_error';
import { GrantRepository } from '../storage/grants';
import { TokenStatus } from '../tokens/token_status';
import { inspectToken } from '../tokens/inspect';

/** RFC 7009 token revocation. */
export const revocation = new Hono<AppEnv>();

revocation.post('/', (c) =>
  withClient(c, '/revoke', async (client, body) => {
    const token = body.get('token');
    if (!token) throw new InvalidRequest('token is required');
    const at = now();
    const found = await inspectToken(c.env, c.var.issuer, token, body.get('token_type_hint'), at);
    // §2.1: only the client's own tokens. Another client's token is treated like an unknown one,
    // which §2.2 answers with 200, so the answer reveals nothing about it.
    if (found && found.clientId === client.id) {
      if (found.kind === 'refresh_token') {
        // §2.1: revoking a refresh token revokes its grant, and with it every token of the family.
        await new GrantRepository(c.env.DB).revoke(found.family.grantId, at);
      } else {
        await new TokenStatus(c.env.DB).revokeAccessToken(found.claims.jti, found.claims.exp);
      }
    }
    c.header('Cache-Control', 'no-store');
    return c.body(null, 200);
  }),
);

revocation.all('/', (c) => methodNotAllowed(c, 'POST'));
