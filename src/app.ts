import { Hono } from 'hono';
import { contextStorage } from 'hono/context-storage';
import { auditTrail } from './observability/audit';
import { requestLog } from './observability/log';
import { resolveIssuer } from './config';
import type { AppEnv } from './env';
import { OAuthError, ServerError } from './errors';
import { KeyEncryptionError } from './keys/encryption';
import { jsonError } from './http/json_error';
import { publicClientCors } from './http/cors';
import { securityHeaders } from './http/security';
import { MemoRouter } from './http/memo_router';
import { SettingError } from './settings';
import { account } from './routes/account';
import { admin } from './routes/admin/index';
import { adminConsole } from './routes/console/index';
import { assets } from './routes/assets';
import { authorize } from './routes/authorize';
import { discovery, getDiscovery } from './routes/discovery';
import { interaction } from './routes/interaction';
import { upstream } from './routes/upstream';
import { introspection } from './routes/introspection';
import { getJwks, jwks } from './routes/jwks';
import { registration } from './routes/registration';
import { logout } from './routes/logout';
import { par } from './routes/par';
import { revocation } from './routes/revocation';
import { token } from './routes/token';
import { userinfo } from './routes/userinfo';
import { StorageUnavailable } from './storage/resilience';
import { storageUnavailable } from './routes/unavailable';

/** The one Hono app serving every endpoint. Each route lives in src/routes/<name>. */
export const app = new Hono<AppEnv>({ router: new MemoRouter() }); // routing of parameter-less paths remembered (issue 10)

// One JSON log line per request (src/observability/log.ts), the published documents included.
app.use('*', requestLog);

// The published documents come first: precomputed responses, no middleware, static-file speed.
app.get('/jwks', getJwks);
app.get('/.well-known/openid-configuration', getDiscovery);
app.get('/.well-known/oauth-authorization-server', getDiscovery);

app.use('*', contextStorage());
app.use('*', auditTrail);
app.use('*', securityHeaders);
app.use('*', async (c, next) => {
  c.set('issuer', resolveIssuer(c.env, c.req.url));
  await next();
});

for (const path of ['/token', '/userinfo', '/revoke', '/par']) app.use(path, publicClientCors);

app.route('/.well-known/openid-configuration', discovery);
app.route('/.well-known/oauth-authorization-server', discovery);
app.route('/jwks', jwks);
app.route('/authorize', authorize);
app.route('/interaction', interaction);
app.route('/token', token);
app.route('/par', par);
app.route('/userinfo', userinfo);
app.route('/logout', logout);
app.route('/account', account);
app.route('/revoke', revocation);
app.route('/introspect', introspection);
app.route('/register', registration);
// The admin console first: /admin/console is its own sign-in and session, not the bearer-token API.
app.route('/admin/console', adminConsole);
app.route('/admin', admin);
app.route('/static', assets);
app.route('/upstream', upstream);

app.notFound((c) => c.json({ error: 'not_found', error_description: 'no such endpoint' }, 404));

app.onError((err, c) => {
  if (err instanceof OAuthError) return jsonError(c, err);
  if (err instanceof SettingError) {
    // A deployment problem the operator must fix: name the variable (never a secret's value).
    console.error(err.message);
    return c.json({ error: 'server_error', error_description: err.message }, 500);
  }
  if (err instanceof StorageUnavailable) return storageUnavailable(c, err);
  if (err instanceof KeyEncryptionError) {
    // A deployment problem the operator must fix (missing or wrong KEY_ENCRYPTION_KEY): the detail goes
    // to the log only; the caller learns nothing about the secret (RFC 6749 §5.2 server_error shape).
    console.error(`signing keys unavailable: ${err.message}`);
    return jsonError(c, new ServerError('signing keys unavailable'));
  }
  console.error('unhandled error', err);
  return c.json({ error: 'server_error', error_description: 'the server hit an unexpected error' }, 500);
});
