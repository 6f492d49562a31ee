import { Hono } from 'hono';
import { parseNewUser } from '../../admin/validate';
import { now } from '../../config';
import { hashPassword } from '../../crypto/password';
import type { AppEnv } from '../../env';
import { UserRepository, type User } from '../../storage/users';
import { jsonBody, notFound } from './common';

export const adminUsers = new Hono<AppEnv>();

const userJson = (user: User) => ({ id: user.id, username: user.username, email: user.email, created_at: user.createdAt, claims: user.claims });

adminUsers.post('/', async (c) => {
  const input = parseNewUser(await jsonBody(c));
  const at = now();
  const user: User = {
    id: crypto.randomUUID(),
    username: input.username,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    claims: input.claims,
    updatedAt: at,
    createdAt: at,
  };
  if (!(await new UserRepository(c.env.DB).insert(user))) {
    return c.json({ error: 'conflict', error_description: 'the username or email is already taken' }, 409);
  }
  return c.json(userJson(user), 201);
});

adminUsers.get('/', async (c) => c.json({ users: (await new UserRepository(c.env.DB).list()).map(userJson) }));

adminUsers.get('/:id', async (c) => {
  const user = await new UserRepository(c.env.DB).find(c.req.param('id'));
  return user ? c.json(userJson(user)) : notFound(c);
});

adminUsers.delete('/:id', async (c) => ((await new UserRepository(c.env.DB).delete(c.req.param('id'))) ? c.body(null, 204) : notFound(c)));
