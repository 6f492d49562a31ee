import { InvalidRequest } from '../errors';
import type { KeyAlg } from '../keys/types';
import type { ClientAuthMethod } from '../storage/clients';
import type { UserClaims } from '../storage/users';

const AUTH_METHODS: ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

export interface NewClientInput {
  name: string;
  redirectUris: string[];
  authMethod: ClientAuthMethod;
  firstParty: boolean;
  idTokenAlg: KeyAlg | null;
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

/** `algorithms`: the signing algorithms this server keeps keys for (a client may pick only those). */
export function parseNewClient(body: unknown, algorithms: readonly KeyAlg[]): NewClientInput {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  const name = body.client_name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw new InvalidRequest('client_name is required (at most 200 characters)');
  const uris = body.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 20) throw new InvalidRequest('redirect_uris must be a list of 1 to 20 URIs');
  const method = body.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!AUTH_METHODS.includes(method as ClientAuthMethod)) throw new InvalidRequest(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  if (body.first_party !== undefined && typeof body.first_party !== 'boolean') throw new InvalidRequest('first_party must be a boolean');
  const alg = body.id_token_signed_response_alg;
  if (alg !== undefined && !algorithms.includes(alg as KeyAlg)) {
    throw new InvalidRequest(`id_token_signed_response_alg must be one of ${algorithms.join(', ')}`);
  }
  return {
    name: name.trim(),
    redirectUris: [...new Set(uris.map(checkRedirectUri))],
    authMethod: method as ClientAuthMethod,
    firstParty: body.first_party === true,
    idTokenAlg: (alg as KeyAlg | undefined) ?? null,
  };
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
