import { Hono } from 'hono';
import { timingSafeEqual } from '../../crypto/hash';
import type { AppEnv } from '../../env';
import { InvalidToken, OAuthError } from '../../errors';
import { jsonError } from '../../http/json_error';
import { adminClaims, adminScopes } from './claims';
import { adminClientClaims } from './client_claims';
import { adminClients } from './clients';
import { adminKeys } from './keys';
import { adminRegistration } from './registration';
import { adminSecrets } from './secrets';
import { adminLogoutDeliveries } from './logout_deliveries';
import { adminUsers } from './users';
import { settings } from '../../settings';

/** Operator API behind the ADMIN_TOKEN bearer secret (docs/admin-api.md). */
export const admin = new Hono<AppEnv>();

admin.use('*', async (c, next) => {
  const configured = settings(c.env).admin;
  if ('disabled' in configured) return c.json({ error: 'not_found', error_description: `the admin API is disabled (${configured.disabled})` }, 404);
  const expected = configured.token;
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

admin.route('/clients', adminClients);
admin.route('/users', adminUsers);
admin.route('/keys', adminKeys);
admin.route('/registration', adminRegistration);
admin.route('/clients', adminSecrets);
admin.route('/clients', adminClientClaims);
admin.route('/claims', adminClaims);
admin.route('/scopes', adminScopes);
admin.route('/logout-deliveries', adminLogoutDeliveries);
