import { Hono } from 'hono';
import { timingSafeEqual } from '../../crypto/hash';
import type { AppEnv } from '../../env';
import { InvalidToken, OAuthError } from '../../errors';
import { jsonError } from '../../http/json_error';
import { sourceIp } from '../../http/source_ip';
import { now, resolveIssuer } from '../../config';
import { ADMIN_IP } from '../../throttle/limits';
import { throttleFor } from '../../throttle/store';
import { adminClaims, adminScopes } from './claims';
import { adminClientClaims } from './client_claims';
import { adminClients } from './clients';
import { adminKeys } from './keys';
import { adminRegistration } from './registration';
import { adminSecrets } from './secrets';
import { adminLogoutDeliveries } from './logout_deliveries';
import { adminUsers } from './users';
import { adminAudit } from './audit';
import { adminApis } from './apis';
import { adminUpstreams } from './upstreams';
import { audit } from '../../observability/audit';
import { settings } from '../../settings';

/** Operator API behind the ADMIN_TOKEN bearer secret (docs/admin-api.md). */
export const admin = new Hono<AppEnv>();

admin.use('*', async (c, next) => {
  const configured = settings(c.env).admin;
  if ('disabled' in configured) return c.json({ error: 'not_found', error_description: `the admin API is disabled (${configured.disabled})` }, 404);
  const expected = configured.token;
  const m = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '');
  if (!m || !(await timingSafeEqual(m[1]!, expected))) {
    // Only a failure consults the source IP's throttle (limits.ts ADMIN_IP): the right token is
    // never refused or slowed; past the limit, failures are answered 429 with Retry-After.
    audit('admin.auth_failed', { outcome: 'failure', details: { method: c.req.method, path: c.req.path } });
    const verdict = await throttleFor(c.env, `admin:${sourceIp(c)}`).take(now(), [{ key: 'ip', policy: ADMIN_IP }]);
    if (!verdict.allowed) {
      return jsonError(c, new OAuthError('invalid_request', 'too many failed admin authentications; retry later', 429), { 'Retry-After': String(verdict.retryAfter) });
    }
    c.header('WWW-Authenticate', 'Bearer realm="admin", error="invalid_token"');
    return jsonError(c, new InvalidToken('a valid admin token is required'));
  }
  c.set('actor', 'admin-token');
  await next();
});

admin.onError((err, c) => {
  if (err instanceof OAuthError) return jsonError(c, err);
  throw err;
});

/**
 * The admin API's routes without the bearer check: mounted behind it here, and called in-process by
 * the admin console (src/routes/console), so the console has no write path of its own.
 */
export const adminRoutes = new Hono<AppEnv>();
// Called in-process by the console, the request has not been through the app's issuer middleware.
adminRoutes.use('*', async (c, next) => {
  if (!c.get('issuer')) c.set('issuer', resolveIssuer(c.env, c.req.url));
  await next();
});
adminRoutes.onError((err, c) => {
  if (err instanceof OAuthError) return jsonError(c, err);
  throw err;
});

adminRoutes.route('/clients', adminClients);
adminRoutes.route('/users', adminUsers);
adminRoutes.route('/keys', adminKeys);
adminRoutes.route('/registration', adminRegistration);
adminRoutes.route('/clients', adminSecrets);
adminRoutes.route('/clients', adminClientClaims);
adminRoutes.route('/claims', adminClaims);
adminRoutes.route('/scopes', adminScopes);
adminRoutes.route('/logout-deliveries', adminLogoutDeliveries);
adminRoutes.route('/audit', adminAudit);
adminRoutes.route('/apis', adminApis);
adminRoutes.route('/upstreams', adminUpstreams);

admin.route('/', adminRoutes);
