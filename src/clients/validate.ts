import { InvalidRequest } from '../errors';
import type { JSONWebKeySet } from 'jose';
import type { KeyAlg } from '../keys/types';
import type { Client, ClientAuthMethod, ClientLifetimes, GrantType } from '../storage/clients';
import type { UserClaims } from '../storage/users';

const AUTH_METHODS: ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'];
const GRANT_TYPES: GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];
const LIFETIME_FIELDS = {
  access_token_ttl: 'access_token',
  id_token_ttl: 'id_token',
  refresh_token_ttl: 'refresh_token',
  refresh_token_idle_ttl: 'refresh_token_idle',
} as const;
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

/** The client metadata the admin API accepts; on update, absent fields keep their value. */
export interface ClientInput {
  name?: string;
  redirectUris?: string[];
  authMethod?: ClientAuthMethod;
  firstParty?: boolean;
  idTokenAlg?: KeyAlg | null;
  grantTypes?: GrantType[];
  scopes?: string[] | null;
  jwks?: JSONWebKeySet | null;
  jwksUri?: string | null;
  lifetimes?: ClientLifetimes;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * RFC 6749 §3.1.2: a redirection URI is absolute and MUST NOT include a fragment. Plain http is
 * allowed only for loopback hosts (native apps and local development, RFC 8252 §7.3).
 */
export function checkRedirectUri(uri: unknown): string {
  if (typeof uri !== 'string' || uri.length > 2000) throw new InvalidRequest('each redirect_uri must be a string of at most 2000 characters');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidRequest(`redirect_uri ${uri} is not an absolute URL`);
  }
  if (uri.includes('#')) throw new InvalidRequest('a redirect_uri must not contain a fragment');
  if (url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
    throw new InvalidRequest('http redirect URIs are allowed only for localhost and loopback addresses');
  }
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) throw new InvalidRequest(`redirect_uri scheme ${url.protocol} is not allowed`);
  return uri;
}

function checkJwksUri(uri: unknown): string {
  if (typeof uri !== 'string') throw new InvalidRequest('jwks_uri must be a string');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidRequest('jwks_uri is not an absolute URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new InvalidRequest('jwks_uri must use https');
  return uri;
}

function checkJwks(value: unknown): JSONWebKeySet {
  if (!isObject(value) || !Array.isArray(value.keys) || value.keys.length === 0 || value.keys.length > 20) {
    throw new InvalidRequest('jwks must be a JWK Set with 1 to 20 keys');
  }
  for (const k of value.keys) {
    if (!isObject(k) || typeof k.kty !== 'string') throw new InvalidRequest('every key in jwks needs a kty');
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) if (member in k) throw new InvalidRequest('jwks must contain public keys only');
  }
  return value as unknown as JSONWebKeySet;
}

/** Parses admin client metadata. With `creating`, the fields a new client needs are required. */
export function parseClientInput(body: unknown, algorithms: readonly KeyAlg[], creating: boolean): ClientInput {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  const out: ClientInput = {};
  const name = body.client_name;
  if (name !== undefined || creating) {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw new InvalidRequest('client_name is required (at most 200 characters)');
    out.name = name.trim();
  }
  const uris = body.redirect_uris;
  if (uris !== undefined) {
    if (!Array.isArray(uris) || uris.length > 20) throw new InvalidRequest('redirect_uris must be a list of at most 20 URIs');
    out.redirectUris = [...new Set(uris.map(checkRedirectUri))];
  }
  const method = body.token_endpoint_auth_method;
  if (method !== undefined) {
    if (!AUTH_METHODS.includes(method as ClientAuthMethod)) throw new InvalidRequest(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
    out.authMethod = method as ClientAuthMethod;
  }
  if (body.first_party !== undefined) {
    if (typeof body.first_party !== 'boolean') throw new InvalidRequest('first_party must be a boolean');
    out.firstParty = body.first_party;
  }
  const alg = body.id_token_signed_response_alg;
  if (alg !== undefined) {
    if (alg !== null && !algorithms.includes(alg as KeyAlg)) throw new InvalidRequest(`id_token_signed_response_alg must be one of ${algorithms.join(', ')}`);
    out.idTokenAlg = alg as KeyAlg | null;
  }
  if (body.grant_types !== undefined) {
    const g = body.grant_types;
    if (!Array.isArray(g) || g.length === 0 || g.some((t) => !GRANT_TYPES.includes(t as GrantType))) {
      throw new InvalidRequest(`grant_types must be a non-empty list of ${GRANT_TYPES.join(', ')}`);
    }
    out.grantTypes = [...new Set(g as GrantType[])];
  }
  if (body.scope !== undefined) {
    const raw = body.scope;
    const list = raw === null ? null : typeof raw === 'string' ? raw.split(' ').filter(Boolean) : Array.isArray(raw) ? raw : undefined;
    if (list === undefined || (list !== null && list.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s)))) {
      throw new InvalidRequest('scope must be a space-separated string (or list) of RFC 6749 scope tokens');
    }
    out.scopes = list === null ? null : [...new Set(list as string[])];
  }
  if (body.jwks !== undefined) out.jwks = body.jwks === null ? null : checkJwks(body.jwks);
  if (body.jwks_uri !== undefined) out.jwksUri = body.jwks_uri === null ? null : checkJwksUri(body.jwks_uri);
  const lifetimes: ClientLifetimes = {};
  for (const [field, key] of Object.entries(LIFETIME_FIELDS)) {
    const v = body[field];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 366 * 86_400) throw new InvalidRequest(`${field} must be a whole number of seconds between 1 and 31622400`);
    lifetimes[key] = v as number;
  }
  if (Object.keys(lifetimes).length > 0) out.lifetimes = lifetimes;
  return out;
}

/** Rules that span fields, checked on the client as it will be stored. */
export function checkClientConsistency(c: Client): void {
  if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) throw new InvalidRequest('the authorization_code grant needs at least one redirect_uri');
  if (c.tokenEndpointAuthMethod === 'none' && c.grantTypes.includes('client_credentials')) throw new InvalidRequest('a public client cannot use client_credentials');
  if (c.tokenEndpointAuthMethod === 'private_key_jwt' && !c.jwks && !c.jwksUri) throw new InvalidRequest('private_key_jwt needs jwks or jwks_uri');
  if (c.jwks && c.jwksUri) throw new InvalidRequest('jwks and jwks_uri are mutually exclusive');
  if (c.grantTypes.includes('refresh_token') && !c.grantTypes.includes('authorization_code')) throw new InvalidRequest('refresh_token needs the authorization_code grant');
}

const STRING_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number',
] as const;
const ADDRESS_FIELDS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'] as const;

export interface NewUserInput {
  username: string;
  password: string;
  email: string | null;
  claims: UserClaims;
}

export function parseNewUser(body: unknown): NewUserInput {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  const { username, password, email } = body;
  if (typeof username !== 'string' || !/^[A-Za-z0-9._@+-]{1,64}$/.test(username)) throw new InvalidRequest('username is required: 1 to 64 letters, digits or . _ @ + -');
  if (typeof password !== 'string' || password.length < 8 || password.length > 1024) throw new InvalidRequest('password is required: at least 8 characters');
  if (email !== undefined && (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)) throw new InvalidRequest('email is not a valid address');
  const claims: UserClaims = {};
  for (const name of STRING_CLAIMS) {
    const v = body[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > 500) throw new InvalidRequest(`${name} must be a string`);
    claims[name] = v;
  }
  for (const flag of ['email_verified', 'phone_number_verified'] as const) {
    const v = body[flag];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new InvalidRequest(`${flag} must be a boolean`);
    claims[flag] = v;
  }
  if (body.address !== undefined) {
    if (!isObject(body.address)) throw new InvalidRequest('address must be an object');
    const address: NonNullable<UserClaims['address']> = {};
    for (const f of ADDRESS_FIELDS) {
      const v = body.address[f];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw new InvalidRequest(`address.${f} must be a string`);
      address[f] = v;
    }
    claims.address = address;
  }
  if (typeof email === 'string') {
    claims.email = email;
    claims.email_verified ??= false;
  }
  if (claims.name === undefined && (claims.given_name || claims.family_name)) {
    claims.name = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
  }
  claims.preferred_username ??= username;
  return { username, password, email: typeof email === 'string' ? email : null, claims };
}

/**
 * Logout and login-initiation metadata of a client (RP-Initiated Logout 1.0 §3, Front-Channel
 * Logout 1.0 §2, Back-Channel Logout 1.0 §2.2, OIDC Core §4). Only the members present are
 * returned; `null` removes a URI. Each URI is absolute, https (or http on loopback), no fragment.
 */
export function parseClientLogoutMetadata(body: unknown): import('../storage/clients').ClientLogoutMetadata {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  const out: import('../storage/clients').ClientLogoutMetadata = {};
  const uris = body.post_logout_redirect_uris;
  if (uris !== undefined) {
    if (!Array.isArray(uris) || uris.length > 20) throw new InvalidRequest('post_logout_redirect_uris must be a list of at most 20 URIs');
    out.postLogoutRedirectUris = [...new Set(uris.map(checkRedirectUri))];
  }
  const uri = (name: string): string | null | undefined => {
    const v = body[name];
    if (v === undefined || v === null) return v;
    try {
      return checkRedirectUri(v);
    } catch (err) {
      throw new InvalidRequest(`${name}: ${err instanceof InvalidRequest ? err.description.replace(/^(each )?redirect_uri/, 'the URI') : 'invalid URI'}`);
    }
  };
  const flag = (name: string): boolean | undefined => {
    const v = body[name];
    if (v !== undefined && typeof v !== 'boolean') throw new InvalidRequest(`${name} must be a boolean`);
    return v as boolean | undefined;
  };
  out.frontchannelLogoutUri = uri('frontchannel_logout_uri');
  out.frontchannelLogoutSessionRequired = flag('frontchannel_logout_session_required');
  out.backchannelLogoutUri = uri('backchannel_logout_uri');
  out.backchannelLogoutSessionRequired = flag('backchannel_logout_session_required');
  out.initiateLoginUri = uri('initiate_login_uri');
  return out;
}
