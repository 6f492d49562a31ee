import { Hono } from 'hono';
import { now } from '../config';
import type { AppEnv } from '../env';
import { InvalidRequest } from '../errors';
import { withClient } from '../authn/client_request';
import { methodNotAllowed } from '../http/json_error';
import { GrantRepository } from '../storage/grants';
import { TokenStatus } from '../tokens/token_status';
import { recogniseToken } from '../tokens/inspect';
import { primarySession } from '../storage/replica';
import { settings } from '../settings';
import { audit } from '../observability/audit';

/** RFC 7009 token revocation. */
export const revocation = new Hono<AppEnv>();

revocation.post('/', (c) =>
  withClient(c, '/revoke', async (client, body) => {
    const token = body.get('token');
    if (!token) throw new InvalidRequest('token is required');
    const at = now();
    // Issue 10: at most ONE round trip, a write on the primary. The token is recognised without
    // storage (a verified JWT, or a refresh token's MAC); the write itself is limited to the
    // caller's own tokens. §2.1: another client's token is treated like an unknown one, which §2.2
    // answers with 200, so the answer reveals nothing about it.
    const found = await recogniseToken(c.env, c.var.issuer, token, body.get('token_type_hint'));
    if (found && (found.kind === 'refresh_token' || found.claims.client_id === client.id)) {
      // The write goes through a primary session, so this isolate's later replica reads include it.
      const { session, done } = primarySession(c.env.DB);
      if (found.kind === 'refresh_token') {
        // §2.1: revoking a refresh token revokes its grant, and with it every token of the family.
        await new GrantRepository(session).revokeFamilyOf(found.parsed.familyId, found.parsed.generation, client.id, at);
      } else {
        const status = new TokenStatus(session);
        // RFC 7009 §2.1 lets revoking an access token revoke its grant too: only for a user's token
        // with token_type_hint=access_token, and only when the operator enabled it (issue 13); one batch.
        const grantId = found.claims.gid;
        const withGrant = grantId !== undefined && body.get('token_type_hint') === 'access_token' && settings(c.env).revokeGrantOnAccessToken;
        if (withGrant) {
          await session.batch([status.revokeAccessTokenStatement(found.claims.jti, found.claims.exp), new GrantRepository(session).revokeOfClientStatement(grantId, client.id, at)]);
        } else {
          await status.revokeAccessToken(found.claims.jti, found.claims.exp);
        }
        audit('access_token.revoked', { subject: found.claims.jti, outcome: 'revoked', actor: `client:${client.id}`, details: { grant: grantId ?? null, grant_revoked: withGrant } });
      }
      done();
    }
    c.header('Cache-Control', 'no-store');
    return c.body(null, 200);
  }),
);

revocation.all('/', (c) => methodNotAllowed(c, 'POST'));
