import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { PASSKEYS_JS } from '../views/passkeys_script';
import { STYLESHEET } from '../views/style';
import { WEBAUTHN_BROWSER_JS } from '../views/webauthn_browser';

export const assets = new Hono<AppEnv>();

assets.get('/style.css', (c) => {
  c.header('Cache-Control', 'public, max-age=86400');
  return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
});

/** @simplewebauthn/browser, served from our own origin (no CDN; scripts by nonce, see http/security.ts). */
assets.get('/webauthn.js', (c) => {
  c.header('Cache-Control', 'public, max-age=86400');
  return c.body(WEBAUTHN_BROWSER_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
});

assets.get('/passkeys.js', (c) => {
  c.header('Cache-Control', 'public, max-age=86400');
  return c.body(PASSKEYS_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
});
