import { Hono } from 'hono';
import { providerMetadata } from '../discovery/metadata';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/json_error';

/** Discovery 1.0 §4: GET /.well-known/openid-configuration (and RFC 8414's well-known path). */
export const discovery = new Hono<AppEnv>();

/** Rendered documents per issuer. With ISSUER unset (development) the issuer follows the Host header, so the map is bounded. */
const rendered = new Map<string, string>();
const MAX_RENDERED = 16;

discovery.get('/', (c) => {
  let body = rendered.get(c.var.issuer);
  if (!body) {
    body = JSON.stringify(providerMetadata(c.var.issuer, ['RS256']));
    if (rendered.size >= MAX_RENDERED) rendered.clear();
    rendered.set(c.var.issuer, body);
  }
  c.header('Cache-Control', 'public, max-age=300');
  c.header('Access-Control-Allow-Origin', '*');
  return c.body(body, 200, { 'Content-Type': 'application/json' });
});

discovery.all('/', (c) => methodNotAllowed(c, 'GET'));
