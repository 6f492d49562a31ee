import { Hono } from 'hono';
import { resolveIssuer } from './config';
import type { AppEnv } from './env';
import { OAuthError } from './errors';
import { jsonError } from './http/json_error';
import { publicClientCors } from './http/cors';
import { securityHeaders } from './http/security';
import { account } from './routes/account';
import { admin } from './routes/admin/index';
import { assets } from './routes/assets';
import { authorize } from './routes/authorize';
import { discovery } from './routes/discovery';
import { interaction } from './routes/interaction';
import { introspection } from './routes/introspection';
import { jwks } from './routes/jwks';
import { logout } from './routes/logout';
import { revocation } from './routes/revocation';
import { token } from './routes/token';
import { userinfo } from './routes/userinfo';

/** The one Hono app serving every endpoint. Each route lives in src/routes/<name>. */
export const app = new Hono<AppEnv>();

app.use('*', securityHeaders);
app.use('*', async (c, next) => {
  c.set('issuer', resolveIssuer(c.env, c.req.url));
  await next();
});

for (const path of ['/token', '/userinfo', '/revoke']) app.use(path, publicClientCors);

app.route('/.well-known/openid-configuration', discovery);
app.route('/.well-known/oauth-authorization-server', discovery);
app.route('/jwks', jwks);
app.route('/authorize', authorize);
app.route('/interaction', interaction);
app.route('/token', token);
app.route('/userinfo', userinfo);
app.route('/logout', logout);
app.route('/account', account);
app.route('/revoke', revocation);
app.route('/introspect', introspection);
app.route('/admin', admin);
app.route('/static', assets);

app.notFound((c) => c.json({ error: 'not_found', error_description: 'no such endpoint' }, 404));

app.onError((err, c) => {
  if (err instanceof OAuthError) return jsonError(c, err);
  console.error('unhandled error', err);
  return c.json({ error: 'server_error', error_description: 'the server hit an unexpected error' }, 500);
});
