import { Hono, type Context } from 'hono';
import { isSigningAlg, type SigningAlg } from '../../algorithms';
import { SCOPE_TOKEN } from '../../clients/validate';
import { STANDARD_SCOPES, now } from '../../config';
import { hashClientSecret } from '../../crypto/client_secret';
import { randomToken } from '../../crypto/random';
import type { AppEnv } from '../../env';
import { InvalidRequest, InvalidTarget } from '../../errors';
import { parseResource } from '../../grants/resource';
import { audit } from '../../observability/audit';
import { settings } from '../../settings';
import { ApiRepository, type Api } from '../../storage/apis';
import { accessTokenAudience } from '../../tokens/access_token';
import { jsonBody, notFound } from './common';

/**
 * APIs, the resource servers (issue 13, docs/admin-api.md "APIs"): `/admin/apis`. An API is
 * addressed by its introspection client_id or by its identifier, percent-encoded in the path.
 * Creating one (or `rotate_secret`) returns its introspection secret once; only a hash is kept.
 */
export const adminApis = new Hono<AppEnv>();

/** Scopes that are the OP's own: never an API's. */
const RESERVED_SCOPES = new Set<string>([...STANDARD_SCOPES, 'offline_access']);
const MAX_TTL = 366 * 86_400;

const apiJson = (a: Api) => ({
  identifier: a.identifier,
  name: a.name,
  scopes: a.scopes,
  ...(a.accessTokenTtl !== null ? { access_token_ttl: a.accessTokenTtl } : {}),
  ...(a.signingAlg !== null ? { signing_alg: a.signingAlg } : {}),
  client_id: a.clientId,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

const conflict = (c: Context, what: string) => c.json({ error: 'conflict', error_description: what }, 409);

interface ApiInput {
  identifier?: string;
  name?: string;
  scopes?: string[];
  accessTokenTtl?: number | null;
  signingAlg?: SigningAlg | null;
  rotateSecret?: boolean;
}

/** The members given, each checked; unknown members are refused so a typo is not silently ignored. */
function parseApiInput(body: unknown, creating: boolean, allowedAlgs: readonly string[], issuer: string): ApiInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidRequest('body must be a JSON object');
  const b = body as Record<string, unknown>;
  const known = creating ? ['identifier', 'name', 'scopes', 'access_token_ttl', 'signing_alg'] : ['name', 'scopes', 'access_token_ttl', 'signing_alg', 'rotate_secret'];
  const unknown = Object.keys(b).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new InvalidRequest(`unknown member(s): ${unknown.join(', ')}${!creating && unknown.includes('identifier') ? ' (an identifier cannot change: create another API)' : ''}`);
  const out: ApiInput = {};
  if (creating) {
    if (typeof b.identifier !== 'string' || b.identifier.length > 2048) throw new InvalidRequest('identifier is required: an absolute URI without fragment (RFC 8707 §2), at most 2048 characters');
    try {
      out.identifier = parseResource(b.identifier);
    } catch (err) {
      if (err instanceof InvalidTarget) throw new InvalidRequest(`identifier: ${err.description}`);
      throw err;
    }
    // The OP's own audiences (userinfo, and the issuer for client_credentials) are not an API's.
    if (b.identifier === issuer || b.identifier === accessTokenAudience(issuer)) throw new InvalidRequest('identifier must not be the issuer or its userinfo audience');
  }
  if (b.name !== undefined || creating) {
    if (typeof b.name !== 'string' || b.name.trim() === '' || b.name.length > 200) throw new InvalidRequest('name is required (at most 200 characters)');
    out.name = b.name.trim();
  }
  if (b.scopes !== undefined) {
    const list = typeof b.scopes === 'string' ? b.scopes.split(' ').filter(Boolean) : b.scopes;
    if (!Array.isArray(list) || list.length > 100 || list.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s))) {
      throw new InvalidRequest('scopes must be a list (or space-separated string) of at most 100 RFC 6749 scope tokens');
    }
    const reserved = list.filter((s) => RESERVED_SCOPES.has(s as string));
    if (reserved.length > 0) throw new InvalidRequest(`scopes of the OP itself cannot be an API's: ${reserved.join(', ')}`);
    out.scopes = [...new Set(list as string[])];
  }
  if (b.access_token_ttl !== undefined) {
    const v = b.access_token_ttl;
    if (v !== null && (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_TTL)) throw new InvalidRequest(`access_token_ttl must be a whole number of seconds from 1 to ${MAX_TTL}, or null`);
    out.accessTokenTtl = v as number | null;
  }
  if (b.signing_alg !== undefined) {
    const v = b.signing_alg;
    if (v !== null && (!isSigningAlg(v) || !allowedAlgs.includes(v))) throw new InvalidRequest(`signing_alg must be one of ${allowedAlgs.join(', ')} (SIGNING_ALGS), or null`);
    out.signingAlg = v as SigningAlg | null;
  }
  if (b.rotate_secret !== undefined) {
    if (typeof b.rotate_secret !== 'boolean') throw new InvalidRequest('rotate_secret must be a boolean');
    out.rotateSecret = b.rotate_secret;
  }
  return out;
}

/** A scope belongs to one API at most: which of `scopes` another API already defines. */
const takenScopes = (all: Api[], scopes: string[], self?: string) => {
  const taken = new Map<string, string>();
  for (const a of all) if (a.identifier !== self) for (const s of a.scopes) if (scopes.includes(s)) taken.set(s, a.identifier);
  return [...taken].map(([s, id]) => `${s} (${id})`);
};

/** The API by client_id or identifier (the path segment, percent-decoded). */
async function lookup(c: Context<AppEnv>): Promise<{ repo: ApiRepository; all: Api[]; api: Api | undefined }> {
  const key = c.req.param('id') ?? '';
  const repo = new ApiRepository(c.env.DB);
  const all = await repo.list();
  return { repo, all, api: all.find((a) => a.clientId === key || a.identifier === key) };
}

adminApis.get('/', async (c) => c.json({ apis: (await new ApiRepository(c.env.DB).list()).map(apiJson) }));

adminApis.post('/', async (c) => {
  const input = parseApiInput(await jsonBody(c), true, settings(c.env).signingAlgs, c.var.issuer);
  const repo = new ApiRepository(c.env.DB);
  const scopes = input.scopes ?? [];
  const taken = takenScopes(await repo.list(), scopes);
  if (taken.length > 0) return conflict(c, `scope already defined by another API: ${taken.join(', ')}`);
  const secret = randomToken(32);
  const at = now();
  const api: Api = {
    identifier: input.identifier!,
    name: input.name!,
    scopes,
    accessTokenTtl: input.accessTokenTtl ?? null,
    signingAlg: input.signingAlg ?? null,
    clientId: `api_${randomToken(16)}`,
    secretHash: await hashClientSecret(secret),
    createdAt: at,
    updatedAt: at,
  };
  if (!(await repo.insert(api))) return conflict(c, `an API with identifier ${api.identifier} already exists`);
  audit('api.created', { subject: api.identifier, details: { scopes: api.scopes, client_id: api.clientId } });
  c.header('Cache-Control', 'no-store');
  return c.json({ ...apiJson(api), client_secret: secret }, 201);
});

adminApis.get('/:id', async (c) => {
  const { api } = await lookup(c);
  return api ? c.json(apiJson(api)) : notFound(c);
});

adminApis.patch('/:id', async (c) => {
  const input = parseApiInput(await jsonBody(c), false, settings(c.env).signingAlgs, c.var.issuer);
  const { repo, all, api } = await lookup(c);
  if (!api) return notFound(c);
  if (input.scopes) {
    const taken = takenScopes(all, input.scopes, api.identifier);
    if (taken.length > 0) return conflict(c, `scope already defined by another API: ${taken.join(', ')}`);
  }
  const secret = input.rotateSecret ? randomToken(32) : undefined;
  const updated: Api = {
    ...api,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
    ...(input.accessTokenTtl !== undefined ? { accessTokenTtl: input.accessTokenTtl } : {}),
    ...(input.signingAlg !== undefined ? { signingAlg: input.signingAlg } : {}),
    ...(secret ? { secretHash: await hashClientSecret(secret) } : {}),
    updatedAt: now(),
  };
  if (!(await repo.update(updated))) return notFound(c);
  audit(secret ? 'api.secret_rotated' : 'api.updated', { subject: api.identifier, details: { scopes: updated.scopes } });
  c.header('Cache-Control', 'no-store');
  return c.json({ ...apiJson(updated), ...(secret ? { client_secret: secret } : {}) });
});

adminApis.delete('/:id', async (c) => {
  const { repo, api } = await lookup(c);
  if (!api || !(await repo.delete(api.identifier))) return notFound(c);
  audit('api.deleted', { subject: api.identifier });
  return c.body(null, 204);
});
