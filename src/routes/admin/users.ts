import { audit } from '../../observability/audit';
import { Hono } from 'hono';
import { createUser, NEW_USER_MESSAGES, parseNewUserJson, passwordProblem } from '../../authn/new_user';
import { hashPassword, passwordPepper } from '../../crypto/password';
import { endSession } from '../../logout/end_session';
import { SessionRepository } from '../../storage/sessions';
import { applyAttributeChanges } from '../../claims/validate';
import { applyClaimChanges } from '../../claims/profile';
import { InvalidRequest } from '../../errors';
import { now } from '../../config';
import type { AppEnv } from '../../env';
import { PasskeyRepository, type Passkey } from '../../storage/passkeys';
import { UpstreamRepository } from '../../storage/upstreams';
import { USER_ROLES, UserRepository, type User, type UserRole } from '../../storage/users';
import { jsonBody, notFound } from './common';

export const adminUsers = new Hono<AppEnv>();

export const userJson = (user: User) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  created_at: user.createdAt,
  updated_at: user.updatedAt,
  claims: user.claims,
  attributes: user.attributes ?? {},
  role: user.role ?? null,
  disabled_at: user.disabledAt ?? null,
});

/** `role`: "admin", or null / "" / "none" to remove it. */
function parseRole(raw: unknown): UserRole | null {
  if (raw === null || raw === '' || raw === 'none') return null;
  if (typeof raw === 'string' && (USER_ROLES as readonly string[]).includes(raw)) return raw as UserRole;
  throw new InvalidRequest(`role must be one of ${USER_ROLES.join(', ')}, or null to remove it`);
}

adminUsers.post('/', async (c) => {
  const body = (await jsonBody(c)) as Record<string, unknown>;
  const input = parseNewUserJson(body);
  const attributes = body.attributes === undefined ? {} : applyAttributeChanges({}, body.attributes);
  // The one user-creation path, shared with sign-up: same rules, hashing and uniqueness.
  const result = await createUser(c.env, { ...input, attributes }, now());
  if (!result.ok) return c.json({ error: 'conflict', error_description: 'the username or email is already taken' }, 409);
  audit('user.created', { subject: result.user.id, details: { username: result.user.username } });
  return c.json(userJson(result.user), 201);
});

adminUsers.get('/', async (c) => c.json({ users: (await new UserRepository(c.env.DB).list()).map(userJson) }));

const passkeyJson = (p: Passkey) => ({
  id: p.id,
  name: p.name,
  created_at: p.createdAt,
  last_used_at: p.lastUsedAt,
  device_type: p.deviceType,
  backed_up: p.backedUp,
  transports: p.transports,
  counter: p.counter,
  suspected_clone_at: p.suspectedCloneAt,
});

/** One user, with their passkeys (issue 12) and whether they have a password. */
adminUsers.get('/:id', async (c) => {
  const [user, passkeys] = await Promise.all([new UserRepository(c.env.DB).find(c.req.param('id')), new PasskeyRepository(c.env.DB).listForUser(c.req.param('id'))]);
  return user ? c.json({ ...userJson(user), has_password: user.passwordHash !== '', passkeys: passkeys.map(passkeyJson) }) : notFound(c);
});

/** Removes one passkey (a lost device), audited `passkey.deleted`. The operator may remove the last one of a passwordless account. */
adminUsers.delete('/:id/passkeys/:credentialId', async (c) => {
  if (!(await new PasskeyRepository(c.env.DB).delete(c.req.param('id'), c.req.param('credentialId')))) return notFound(c);
  audit('passkey.deleted', { subject: c.req.param('id'), details: { passkey: c.req.param('credentialId') } });
  return c.body(null, 204);
});

/**
 * Operator-managed attributes (members replace the user's, null removes one) and standard claims
 * (OIDC Core §5.1, src/claims/profile.ts; null removes one): `{"attributes": {...}, "claims": {...}}`.
 */
adminUsers.patch('/:id', async (c) => {
  const body = await jsonBody(c);
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0 || Object.keys(body).some((k) => k !== 'attributes' && k !== 'claims' && k !== 'role')) {
    throw new InvalidRequest('the body is {"attributes": {...}, "claims": {...}, "role": "admin" | null} (any of them)');
  }
  const changes = body as { attributes?: unknown; claims?: unknown; role?: unknown };
  const role = 'role' in changes ? parseRole(changes.role) : undefined;
  const users = new UserRepository(c.env.DB);
  const user = await users.find(c.req.param('id'));
  if (!user) return notFound(c);
  const at = now();
  let next: User = user;
  if (changes.claims !== undefined) {
    const claims = applyClaimChanges(user.claims, changes.claims, { allowVerified: true });
    const stored = await users.setClaims(user.id, claims, at);
    if (stored === 'conflict') return c.json({ error: 'conflict', error_description: 'the email is already taken' }, 409);
    if (stored === 'not-found') return notFound(c);
    next = { ...next, claims, email: claims.email ?? null, updatedAt: at };
  }
  if (changes.attributes !== undefined) {
    const attributes = applyAttributeChanges(user.attributes ?? {}, changes.attributes);
    await users.setAttributes(user.id, attributes, at);
    next = { ...next, attributes, updatedAt: at };
  }
  if (role !== undefined) {
    await users.setRole(user.id, role, at);
    next = { ...next, role, updatedAt: at };
  }
  audit('user.updated', {
    subject: user.id,
    details: {
      attributes: Object.keys((changes.attributes as object | undefined) ?? {}),
      claims: Object.keys((changes.claims as object | undefined) ?? {}),
      ...(role !== undefined ? { role: role ?? 'none' } : {}),
    },
  });
  return c.json(userJson(next));
});

/**
 * Disables an account: sign-in refused (like a wrong password), its sessions ended and its grants
 * revoked, in one batch. `enable` lifts the mark (sessions and grants stay ended).
 */
for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
  adminUsers.post(`/:id/${action}`, async (c) => {
    const users = new UserRepository(c.env.DB);
    if (!(await users.setDisabled(c.req.param('id'), disabled, now()))) return notFound(c);
    audit(disabled ? 'user.disabled' : 'user.enabled', { subject: c.req.param('id') });
    const user = await users.find(c.req.param('id'));
    return user ? c.json(userJson(user)) : notFound(c);
  });
}

/** An operator sets a new password (the sign-up rules apply); the user's sessions end. */
adminUsers.post('/:id/password', async (c) => {
  const body = (await jsonBody(c)) as { password?: unknown } | null;
  const users = new UserRepository(c.env.DB);
  const user = await users.find(c.req.param('id'));
  if (!user) return notFound(c);
  const password = body?.password;
  if (typeof password !== 'string' || passwordProblem(password, user.username, user.email)) throw new InvalidRequest(NEW_USER_MESSAGES.password);
  if (!(await users.resetPassword(user.id, await hashPassword(password, passwordPepper(c.env)), now()))) return notFound(c);
  audit('user.password_reset', { subject: user.id });
  return c.json(userJson({ ...user, updatedAt: now() }));
});

/** The user's live sessions (newest sign-in first). */
adminUsers.get('/:id/sessions', async (c) => {
  const sessions = await new SessionRepository(c.env.DB).listForUser(c.req.param('id'), now());
  return c.json({
    sessions: sessions.map((s) => ({ sid: s.sid, auth_time: s.authTime, amr: s.amr, created_at: s.createdAt ?? null, expires_at: s.expiresAt, remembered: s.remembered ?? false })),
  });
});

/** Ends one session as a logout does: its grants without offline_access revoked, back-channel logout sent. */
adminUsers.delete('/:id/sessions/:sid', async (c) => {
  const session = await new SessionRepository(c.env.DB).findBySid(c.req.param('sid'), now());
  if (!session || session.userId !== c.req.param('id')) return notFound(c);
  const ended = await endSession(c.env, session, c.var.issuer);
  audit('session.ended', { subject: session.userId, details: { sid: session.sid, back_channel: ended.backChannel } });
  return c.body(null, 204);
});

/** The user's links to upstream providers' accounts (issue 11): which upstream, its `sub`, when linked and last used. */
adminUsers.get('/:id/links', async (c) => {
  const upstreams = new UpstreamRepository(c.env.DB);
  // Independent reads, in parallel: the user (for a 404), their links, the upstreams' names.
  const [user, links, all] = await Promise.all([new UserRepository(c.env.DB).find(c.req.param('id')), upstreams.linksOfUser(c.req.param('id')), upstreams.list()]);
  if (!user) return notFound(c);
  const names = new Map(all.map((u) => [u.slug, u.name]));
  return c.json({
    links: links.map((l) => ({ upstream: l.upstream, upstream_name: names.get(l.upstream) ?? null, subject: l.subject, created_at: l.createdAt, last_used_at: l.lastUsedAt })),
  });
});

/**
 * Removes one link: that upstream account no longer signs in as this user (its next sign-in there
 * provisions or links afresh). The operator may remove the last way into a passwordless account,
 * as with passkeys; the user's sessions are not ended (disable the user for that).
 */
adminUsers.delete('/:id/links/:upstream/:subject', async (c) => {
  const { id, upstream, subject } = c.req.param();
  if (!(await new UpstreamRepository(c.env.DB).deleteLink(id, upstream, subject))) return notFound(c);
  audit('upstream.unlinked', { subject: id, details: { upstream, upstream_subject: subject } });
  return c.body(null, 204);
});

adminUsers.delete('/:id', async (c) => {
  if (!(await new UserRepository(c.env.DB).delete(c.req.param('id')))) return notFound(c);
  audit('user.deleted', { subject: c.req.param('id') });
  return c.body(null, 204);
});
