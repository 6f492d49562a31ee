import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { InvalidRequest } from '../../errors';

export async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  if (!(c.req.header('Content-Type') ?? '').toLowerCase().startsWith('application/json')) throw new InvalidRequest('content type must be application/json');
  try {
    return await c.req.json();
  } catch {
    throw new InvalidRequest('body is not valid JSON');
  }
}

export const notFound = (c: Context) => c.json({ error: 'not_found', error_description: 'no such record' }, 404);
