import { kekSecrets, type KekSecrets } from '../crypto/derived_keys';
import { openJsonWithAny, sealJson } from '../crypto/sealed';
import type { Bindings } from '../env';
import { InvalidRequest } from '../errors';
import { outboundRefusal } from '../http/outbound_address';
import { UPSTREAM_AUTH_METHODS, type Upstream, type UpstreamAuthMethod } from '../storage/upstreams';
import { jwksUri, UPSTREAM_KEY_ALGS, type UpstreamKeyAlg } from './client_key';

/**
 * An upstream provider's configuration as the admin API and CLI give it (docs/admin-api.md):
 * pure validation (every problem is invalid_request, 400), and the sealing of its client secret.
 */

export const SLUG = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
export const DEFAULT_SCOPES = ['openid', 'profile', 'email'];

/** The local claims an upstream claim may fill (OIDC Core §5.1; never `sub`), or `attributes.KEY` (operator attributes). */
export const MAPPABLE_CLAIMS = [
  'email', 'email_verified', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username',
  'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified',
] as const;
export const ATTRIBUTE_PREFIX = 'attributes.';
const ATTRIBUTE_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;
const UPSTREAM_CLAIM = /^[\x21-\x7e]{1,200}$/;

/** Default mapping: each of these local claims from the upstream claim of the same name. */
export const DEFAULT_MAPPING: Record<string, string> = Object.fromEntries(
  ['email', 'email_verified', 'name', 'given_name', 'family_name', 'picture', 'locale'].map((n) => [n, n]),
);

/** The secret is sealed for this purpose, with the slug as additional data (it opens for no other upstream). */
const PURPOSE = 'upstream-client-secret';

export const sealClientSecret = (env: Bindings, slug: string, secret: string): Promise<string> => sealJson(env.KEY_ENCRYPTION_KEY, PURPOSE, slug, secret);

/**
 * Opens an upstream's client secret; during a KEY_ENCRYPTION_KEY rotation one still sealed under
 * KEY_ENCRYPTION_KEY_PREVIOUS opens too (`underPrevious`: the cron re-seals it, src/jobs/reseal.ts).
 */
export async function openClientSecretWithAny(kek: KekSecrets, u: Pick<Upstream, 'slug' | 'clientSecretSealed'>): Promise<{ secret: string; underPrevious: boolean } | null> {
  const opened = await openJsonWithAny<string>(kek, PURPOSE, u.slug, u.clientSecretSealed);
  return opened && typeof opened.value === 'string' ? { secret: opened.value, underPrevious: opened.underPrevious } : null;
}

export async function openClientSecret(env: Bindings, u: Upstream): Promise<string> {
  const opened = await openClientSecretWithAny(kekSecrets(env), u);
  if (!opened) throw new Error(`the client secret of upstream ${u.slug} cannot be opened: KEY_ENCRYPTION_KEY does not match the one that sealed it`);
  return opened.secret;
}

/** Where the operator registers us at the upstream, and where it sends logout tokens. */
export const callbackUri = (issuer: string, slug: string) => `${issuer}/upstream/${slug}/callback`;
/** Where the sign-in page's "Continue with" link (and idp_hint) sends the browser for a parked request. */
export const startPath = (slug: string, interactionId: string) => `/upstream/${slug}/start?interaction=${encodeURIComponent(interactionId)}`;
export const backchannelLogoutUri = (issuer: string, slug: string) => `${issuer}/upstream/${slug}/backchannel-logout`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw new InvalidRequest(`${key} must be a non-empty string of at most ${max} characters`);
  return v.trim();
}

function flag(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new InvalidRequest(`${key} must be true or false`);
  return v;
}

/** The upstream's issuer: an absolute https URL the OP may fetch (no query or fragment; OIDC Discovery §2). */
export function checkIssuer(raw: string, ourIssuer: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidRequest('issuer must be an absolute URL');
  }
  if (url.search || url.hash) throw new InvalidRequest('issuer must have no query or fragment');
  const refusal = outboundRefusal(raw, ourIssuer);
  if (refusal) throw new InvalidRequest(`issuer ${refusal}`);
  return raw.replace(/\/$/, '');
}

function scopes(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? v.split(' ').filter(Boolean) : v;
  if (!Array.isArray(list) || list.length > 30 || list.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s))) {
    throw new InvalidRequest('scopes must be a list of scope tokens (RFC 6749 §3.3)');
  }
  // OIDC Core §3.1.2.1: openid is what makes it an OpenID request.
  return [...new Set(['openid', ...(list as string[])])];
}

function mapping(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || Object.keys(v).length > 40) throw new InvalidRequest('claim_mapping must be an object {"<local claim>": "<upstream claim>"}');
  const out: Record<string, string> = {};
  for (const [local, upstream] of Object.entries(v)) {
    if (upstream === '') out[local] = '';
    const okLocal = (MAPPABLE_CLAIMS as readonly string[]).includes(local) || (local.startsWith(ATTRIBUTE_PREFIX) && ATTRIBUTE_KEY.test(local.slice(ATTRIBUTE_PREFIX.length)));
    if (!okLocal) throw new InvalidRequest(`claim_mapping: ${local.slice(0, 64)} is not a local claim that can be mapped (one of ${MAPPABLE_CLAIMS.join(', ')}, or attributes.KEY)`);
    if (upstream === '') continue;
    if (typeof upstream !== 'string' || !UPSTREAM_CLAIM.test(upstream)) throw new InvalidRequest(`claim_mapping: ${local} must name an upstream claim`);
    out[local] = upstream;
  }
  return out;
}

const withoutUnmapped = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== ''));

export interface UpstreamInput {
  slug: string;
  name: string;
  issuer: string;
  clientId: string;
  /** Absent for private_key_jwt. */
  clientSecret?: string;
  authMethod: UpstreamAuthMethod;
  /** private_key_jwt: the algorithm of the key pair the OP makes (default ES256). */
  keyAlg?: UpstreamKeyAlg;
  scopes: string[];
  claimMapping: Record<string, string>;
  linkByEmail: boolean;
  endSession: boolean;
}

export interface UpstreamChanges extends Partial<Omit<UpstreamInput, 'slug'>> {
  /** private_key_jwt: a new key pair replaces the current one. */
  rotateKey?: boolean;
}

const KNOWN = ['slug', 'name', 'issuer', 'client_id', 'client_secret', 'auth_method', 'key_alg', 'rotate_key', 'scopes', 'claim_mapping', 'link_by_email', 'end_session'];

function authMethod(body: Record<string, unknown>): UpstreamAuthMethod | undefined {
  const v = body.auth_method;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(UPSTREAM_AUTH_METHODS as readonly string[]).includes(v)) throw new InvalidRequest(`auth_method must be one of ${UPSTREAM_AUTH_METHODS.join(', ')}`);
  return v as UpstreamAuthMethod;
}

function keyAlg(body: Record<string, unknown>): UpstreamKeyAlg | undefined {
  const v = body.key_alg;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(UPSTREAM_KEY_ALGS as readonly string[]).includes(v)) throw new InvalidRequest(`key_alg must be one of ${UPSTREAM_KEY_ALGS.join(', ')}`);
  return v as UpstreamKeyAlg;
}

function checkKnown(body: Record<string, unknown>): void {
  const unknown = Object.keys(body).find((k) => !KNOWN.includes(k));
  if (unknown) throw new InvalidRequest(`unknown member ${unknown.slice(0, 64)}`);
}

/**
 * POST /admin/upstreams: a new upstream. `claim_mapping` is laid over the default mapping (a local
 * claim mapped to "" is left unmapped).
 */
export function parseNewUpstream(body: unknown, ourIssuer: string): UpstreamInput {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  checkKnown(body);
  const slug = body.slug;
  if (typeof slug !== 'string' || !SLUG.test(slug)) throw new InvalidRequest('slug is required: 1 to 32 lower-case letters, digits or -, starting with a letter or digit');
  const name = text(body, 'name', 100);
  const issuer = text(body, 'issuer', 500);
  const clientId = text(body, 'client_id', 500);
  const clientSecret = text(body, 'client_secret', 2000);
  if (!name) throw new InvalidRequest('name is required');
  if (!issuer) throw new InvalidRequest('issuer is required');
  if (!clientId) throw new InvalidRequest('client_id is required');
  const method = authMethod(body) ?? 'client_secret_basic';
  const alg = keyAlg(body);
  if (flag(body, 'rotate_key') !== undefined) throw new InvalidRequest('rotate_key is for an update');
  if (method === 'private_key_jwt') {
    if (clientSecret) throw new InvalidRequest('client_secret is not used with auth_method private_key_jwt (the OP makes a key pair and publishes its jwks_uri)');
  } else {
    if (!clientSecret) throw new InvalidRequest('client_secret is required (or auth_method private_key_jwt)');
    if (alg) throw new InvalidRequest('key_alg is only for auth_method private_key_jwt');
  }
  return {
    slug,
    name,
    issuer: checkIssuer(issuer, ourIssuer),
    clientId,
    ...(clientSecret ? { clientSecret } : {}),
    authMethod: method,
    ...(method === 'private_key_jwt' ? { keyAlg: alg ?? 'ES256' } : {}),
    scopes: scopes(body.scopes) ?? DEFAULT_SCOPES,
    claimMapping: withoutUnmapped({ ...DEFAULT_MAPPING, ...(mapping(body.claim_mapping) ?? {}) }),
    linkByEmail: flag(body, 'link_by_email') ?? false,
    endSession: flag(body, 'end_session') ?? false,
  };
}

/** PATCH /admin/upstreams/:slug: the members given replace the stored ones (claim_mapping as a whole). */
export function parseUpstreamChanges(body: unknown, ourIssuer: string): UpstreamChanges {
  if (!isObject(body) || Object.keys(body).length === 0) throw new InvalidRequest('body must be a JSON object with the members to change');
  checkKnown(body);
  if (body.slug !== undefined) throw new InvalidRequest('slug cannot be changed (it is in the redirect_uri registered at the upstream)');
  const issuer = text(body, 'issuer', 500);
  const out: UpstreamChanges = {
    name: text(body, 'name', 100),
    issuer: issuer === undefined ? undefined : checkIssuer(issuer, ourIssuer),
    clientId: text(body, 'client_id', 500),
    clientSecret: text(body, 'client_secret', 2000),
    authMethod: authMethod(body),
    keyAlg: keyAlg(body),
    rotateKey: flag(body, 'rotate_key'),
    scopes: scopes(body.scopes),
    claimMapping: body.claim_mapping === undefined ? undefined : withoutUnmapped(mapping(body.claim_mapping)!),
    linkByEmail: flag(body, 'link_by_email'),
    endSession: flag(body, 'end_session'),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/**
 * What an update does to the client authentication, given the upstream as stored: the method it
 * ends with, whether a new key pair is made (and its algorithm), the secret to seal, or that the
 * stored secret / key is dropped. Inconsistent requests are invalid_request.
 */
export function authChange(
  current: Pick<Upstream, 'authMethod' | 'signingKey' | 'clientSecretSealed'>,
  changes: Pick<UpstreamChanges, 'authMethod' | 'keyAlg' | 'rotateKey' | 'clientSecret'>,
): { authMethod: UpstreamAuthMethod; newKey?: UpstreamKeyAlg; clientSecret?: string; dropSecret: boolean; dropKey: boolean } {
  const method = changes.authMethod ?? current.authMethod;
  if (method === 'private_key_jwt') {
    if (changes.clientSecret !== undefined) throw new InvalidRequest('client_secret is not used with auth_method private_key_jwt');
    const alg = changes.keyAlg ?? current.signingKey?.alg ?? 'ES256';
    const newKey = !current.signingKey || changes.rotateKey === true || alg !== current.signingKey.alg ? alg : undefined;
    return { authMethod: method, ...(newKey ? { newKey } : {}), dropSecret: true, dropKey: false };
  }
  if (changes.keyAlg !== undefined || changes.rotateKey !== undefined) throw new InvalidRequest('key_alg and rotate_key are only for auth_method private_key_jwt');
  if (changes.clientSecret === undefined && current.clientSecretSealed === '') throw new InvalidRequest(`client_secret is required to change auth_method to ${method}`);
  return { authMethod: method, ...(changes.clientSecret !== undefined ? { clientSecret: changes.clientSecret } : {}), dropSecret: false, dropKey: true };
}

/** The admin API's view of an upstream: never the secret. */
export const upstreamJson = (u: Upstream, ourIssuer: string) => ({
  slug: u.slug,
  name: u.name,
  issuer: u.issuer,
  client_id: u.clientId,
  auth_method: u.authMethod,
  ...(u.authMethod === 'private_key_jwt' && u.signingKey ? { jwks_uri: jwksUri(ourIssuer, u.slug), key: { kid: u.signingKey.kid, alg: u.signingKey.alg } } : {}),
  scopes: u.scopes,
  claim_mapping: u.claimMapping,
  link_by_email: u.linkByEmail,
  end_session: u.endSession,
  redirect_uri: callbackUri(ourIssuer, u.slug),
  backchannel_logout_uri: backchannelLogoutUri(ourIssuer, u.slug),
  created_at: u.createdAt,
  updated_at: u.updatedAt,
});
