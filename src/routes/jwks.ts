import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/json_error';
import { publicJwks } from '../keys/keystore';

/** The jwks_uri (RFC 7517 §5): public signing keys only, never a private member. */
export const jwks = new Hono<AppEnv>();

jwks.get('/', async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  c.header('Access-Control-Allow-Origin', '*');
  return c.body(JSON.stringify(await publicJwks(c.env)), 200, { 'Content-Type': 'application/jwk-set+json' });
});

jwks.all('/', (c) => methodNotAllowed(c, 'GET'));
