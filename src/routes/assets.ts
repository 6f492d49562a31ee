import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { STYLESHEET } from '../views/style';

export const assets = new Hono<AppEnv>();

assets.get('/style.css', (c) => {
  c.header('Cache-Control', 'public, max-age=86400');
  return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
});
