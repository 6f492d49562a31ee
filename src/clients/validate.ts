import type { JSONWebKeySet } from 'jose';
import { SUPPORTED_AUTH_METHODS as AUTH_METHODS } from '../authn/client_auth';
import { ACR_VALUES_SUPPORTED } from '../authorize/check_claims';
import { RESPONSE_TYPES, grantTypesFor, normalizeResponseType } from '../authorize/response_type';
import { REQUEST_OBJECT_SIGNING_ALGS, UNSIGNED_REQUEST_OBJECT_ALG } from '../authorize/request_object';
import { InvalidClientMetadata, InvalidRequest } from '../errors';
import type { KeyAlg } from '../keys/types';
import { FAPI2_ALGS, isFapi2, type Client, type ClientAuthMethod, type ClientFields, type ClientLifetimes, type GrantType, type IdTokenClaimsPolicy } from './model';

/** The error class a rule violation is reported with: invalid_request (admin API) or invalid_client_metadata (RFC 7591 §3.2.2). */
export type MetadataError = typeof InvalidRequest | typeof InvalidClientMetadata;

export const GRANT_TYPES: GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials', 'implicit'];
const LIFETIME_FIELDS = {
  access_token_ttl: 'access_token',
  id_token_ttl: 'id_token',
  refresh_token_ttl: 'refresh_token',
  refresh_token_idle_ttl: 'refresh_token_idle',
} as const;
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
/** OIDC Core §3.1.2.1: max_age, and so default_max_age, as a whole number of seconds. */
const MAX_AGE_LIMIT = 366 * 86_400;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the admin API accepts for a client: the members given; on update, absent ones keep their value. */
export type ClientInput = Partial<ClientFields>;

/**
 * RFC 6749 §3.1.2: a redirection URI is absolute and MUST NOT include a fragment. Plain http is
 * allowed only for loopback hosts (native apps and local development, RFC 8252 §7.3). The
 * operator's rule (admin API); registration applies the stricter rules of src/registration/uris.ts.
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

/** RFC 7517 §5: a JWK Set of public keys only. */
export function checkJwks(value: unknown, Err: MetadataError = InvalidRequest): JSONWebKeySet {
  if (!isObject(value) || !Array.isArray(value.keys) || value.keys.length === 0 || value.keys.length > 20) {
    throw new Err('jwks must be a JWK Set with 1 to 20 keys');
  }
  for (const k of value.keys) {
    if (!isObject(k) || typeof k.kty !== 'string') throw new Err('every key in jwks needs a kty');
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) if (member in k) throw new Err('jwks must contain public keys only');
  }
  return value as unknown as JSONWebKeySet;
}

/** RFC 9101 §5.2: a request_uri is at most 512 ASCII characters. */
const MAX_REQUEST_URI_LENGTH = 512;

/**
 * Registration 1.0 §2 request_uris (OIDC Core §6.2, RFC 9101 §5.2): the URIs /authorize may fetch
 * request objects from, each an absolute https URI without credentials, at most 512 characters
 * (a fragment, e.g. the SHA-256 of the content, is allowed and part of the registered value).
 * `loopbackHttp`: http is accepted on a loopback host (the operator's choice, or a development OP).
 */
export function checkRequestUris(v: unknown, Err: MetadataError, loopbackHttp: boolean): string[] {
  if (!Array.isArray(v) || v.length > 20) throw new Err('request_uris must be a list of at most 20 URIs');
  return [
    ...new Set(
      v.map((uri) => {
        if (typeof uri !== 'string' || uri.length > MAX_REQUEST_URI_LENGTH || !/^[\x21-\x7e]+$/.test(uri)) throw new Err(`each request_uri must be an ASCII URI of at most ${MAX_REQUEST_URI_LENGTH} characters`);
        let url: URL;
        try {
          url = new URL(uri);
        } catch {
          throw new Err(`request_uri ${uri} is not an absolute URI`);
        }
        if (url.username || url.password) throw new Err(`request_uri ${uri} must not carry credentials`);
        const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
        if (url.protocol !== 'https:' && !(loopbackHttp && loopback && url.protocol === 'http:')) throw new Err(`request_uri ${uri} must use https`);
        return uri;
      }),
    ),
  ];
}

/** Registration 1.0 §2: default_max_age, in seconds. */
export function checkDefaultMaxAge(v: unknown, Err: MetadataError): number | null {
  if (v === null) return null;
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > MAX_AGE_LIMIT) throw new Err(`default_max_age must be a whole number of seconds between 0 and ${MAX_AGE_LIMIT}`);
  return v as number;
}

/**
 * Registration 1.0 §2: default_acr_values. The OP honours them only if it can satisfy one of
 * them; a list it could never satisfy is refused rather than stored and silently ignored.
 */
export function checkDefaultAcrValues(v: unknown, Err: MetadataError): string[] | null {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > 20 || v.some((x) => typeof x !== 'string' || x === '' || x.length > 200)) {
    throw new Err('default_acr_values must be a non-empty array of strings');
  }
  if (!v.some((x) => ACR_VALUES_SUPPORTED.includes(x as string))) throw new Err(`default_acr_values: none can be satisfied; supported: ${ACR_VALUES_SUPPORTED.join(' ')}`);
  return [...new Set(v as string[])];
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
    out.tokenEndpointAuthMethod = method as ClientAuthMethod;
  }
  if (body.first_party !== undefined) {
    if (typeof body.first_party !== 'boolean') throw new InvalidRequest('first_party must be a boolean');
    out.firstParty = body.first_party;
  }
  for (const [member, key] of [['id_token_signed_response_alg', 'idTokenAlg'], ['userinfo_signed_response_alg', 'userinfoAlg'], ['authorization_signed_response_alg', 'authorizationSignedResponseAlg']] as const) {
    const alg = body[member];
    if (alg === undefined) continue;
    if (alg !== null && !algorithms.includes(alg as KeyAlg)) throw new InvalidRequest(`${member} must be one of ${algorithms.join(', ')}`);
    out[key] = alg as KeyAlg | null;
  }
  if (body.grant_types !== undefined) {
    const g = body.grant_types;
    if (!Array.isArray(g) || g.length === 0 || g.some((t) => !GRANT_TYPES.includes(t as GrantType))) {
      throw new InvalidRequest(`grant_types must be a non-empty list of ${GRANT_TYPES.join(', ')}`);
    }
    out.grantTypes = [...new Set(g as GrantType[])];
  }
  if (body.response_types !== undefined) out.responseTypes = checkResponseTypes(body.response_types, InvalidRequest);
  if (body.scope !== undefined) {
    const raw = body.scope;
    const list = raw === null ? null : typeof raw === 'string' ? raw.split(' ').filter(Boolean) : Array.isArray(raw) ? raw : undefined;
    if (list === undefined || (list !== null && list.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s)))) {
      throw new InvalidRequest('scope must be a space-separated string (or list) of RFC 6749 scope tokens');
    }
    out.scopes = list === null ? null : [...new Set(list as string[])];
  }
  if (body.default_scope !== undefined) out.defaultScopes = checkDefaultScope(body.default_scope, InvalidRequest);
  if (body.refresh_policy !== undefined) {
    if (body.refresh_policy !== 'offline_access' && body.refresh_policy !== 'always') throw new InvalidRequest('refresh_policy must be offline_access or always');
    out.refreshPolicy = body.refresh_policy;
  }
  if (body.id_token_claims !== undefined) out.idTokenClaims = checkIdTokenClaims(body.id_token_claims, InvalidRequest);
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
  if (body.default_max_age !== undefined) out.defaultMaxAge = checkDefaultMaxAge(body.default_max_age, InvalidRequest);
  if (body.require_auth_time !== undefined) {
    if (typeof body.require_auth_time !== 'boolean') throw new InvalidRequest('require_auth_time must be a boolean');
    out.requireAuthTime = body.require_auth_time;
  }
  for (const [member, key] of [['require_pushed_authorization_requests', 'requirePushedAuthorizationRequests'], ['dpop_bound_access_tokens', 'dpopBoundAccessTokens']] as const) {
    if (body[member] === undefined) continue;
    if (typeof body[member] !== 'boolean') throw new InvalidRequest(`${member} must be a boolean`);
    out[key] = body[member];
  }
  if (body.profile !== undefined) {
    if (body.profile !== null && body.profile !== 'fapi2') throw new InvalidRequest('profile must be fapi2 or null');
    out.profile = body.profile;
  }
  if (body.request_object_signing_alg !== undefined) {
    const alg = body.request_object_signing_alg;
    // `none` may be stored by the operator; it is honoured only with REQUEST_OBJECT_NONE=on (request_object.ts).
    const choices = [...REQUEST_OBJECT_SIGNING_ALGS, UNSIGNED_REQUEST_OBJECT_ALG];
    if (alg !== null && !choices.includes(alg as string)) throw new InvalidRequest(`request_object_signing_alg must be one of ${choices.join(', ')}`);
    out.requestObjectSigningAlg = alg as string | null;
  }
  if (body.request_uris !== undefined) out.requestUris = body.request_uris === null ? [] : checkRequestUris(body.request_uris, InvalidRequest, true);
  if (body.default_acr_values !== undefined) out.defaultAcrValues = checkDefaultAcrValues(body.default_acr_values, InvalidRequest);
  if (body.subject_type !== undefined) {
    if (body.subject_type !== 'public' && body.subject_type !== 'pairwise') throw new InvalidRequest('subject_type must be public or pairwise');
    out.subjectType = body.subject_type;
  }
  return { ...out, ...parseClientLogoutMetadata(body) };
}

/** id_token_claims (issue 13): `scope` or `minimal`; null returns to the deployment default (ID_TOKEN_CLAIMS). */
export function checkIdTokenClaims(value: unknown, Err: MetadataError): IdTokenClaimsPolicy | null {
  if (value === null) return null;
  if (value !== 'scope' && value !== 'minimal') throw new Err('id_token_claims must be scope or minimal');
  return value;
}

/** default_scope: a space-separated string (or list) of scope tokens; null removes it. */
export function checkDefaultScope(raw: unknown, Err: MetadataError): string[] | null {
  if (raw === null) return null;
  const list = typeof raw === 'string' ? raw.split(' ').filter(Boolean) : Array.isArray(raw) ? raw : undefined;
  if (list === undefined || list.length === 0 || list.length > 50 || list.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s))) {
    throw new Err('default_scope must be a space-separated string (or list) of 1 to 50 RFC 6749 scope tokens');
  }
  return [...new Set(list as string[])];
}

/** Registration 1.0 §2 response_types: a non-empty list of the types of authorize/response_type.ts, normalised. */
export function checkResponseTypes(v: unknown, Err: MetadataError): string[] {
  if (!Array.isArray(v) || v.length > RESPONSE_TYPES.length) throw new Err(`response_types must be a list of ${RESPONSE_TYPES.join(', ')}`);
  return [
    ...new Set(
      v.map((t) => {
        const type = typeof t === 'string' ? normalizeResponseType(t) : undefined;
        if (!type) throw new Err(`response type ${String(t)} is not supported; supported: ${RESPONSE_TYPES.join(', ')}`);
        return type;
      }),
    ),
  ];
}

/** Rules that span fields, checked on the client as it will be stored, whoever made it. */
export function checkClientConsistency(c: Client, Err: MetadataError = InvalidRequest): void {
  if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) throw new Err('the authorization_code grant needs at least one redirect_uri');
  if (c.grantTypes.includes('implicit') && c.redirectUris.length === 0) throw new Err('the implicit grant needs at least one redirect_uri');
  // RFC 7591 §2.1: response types and grant types agree (code ⇔ authorization_code, id_token/token ⇔ implicit).
  if (c.responseTypes) {
    const implied = grantTypesFor(c.responseTypes);
    for (const g of ['authorization_code', 'implicit'] as const) {
      if (implied.includes(g) !== c.grantTypes.includes(g)) {
        throw new Err(implied.includes(g) ? `response_types ${c.responseTypes.join(', ')} need the ${g} grant` : `the ${g} grant needs a response type that uses it`);
      }
    }
  } else if (c.grantTypes.includes('implicit')) throw new Err('the implicit grant needs response_types (id_token, id_token token...)');
  if (c.tokenEndpointAuthMethod === 'none' && c.grantTypes.includes('client_credentials')) throw new Err('a public client cannot use client_credentials');
  if (c.tokenEndpointAuthMethod === 'private_key_jwt' && !c.jwks && !c.jwksUri) throw new Err('private_key_jwt needs jwks or jwks_uri');
  // RFC 7591 §2: jwks and jwks_uri MUST NOT both be present.
  if (c.jwks && c.jwksUri) throw new Err('jwks and jwks_uri are mutually exclusive');
  if (c.grantTypes.includes('refresh_token') && !c.grantTypes.includes('authorization_code')) throw new Err('refresh_token needs the authorization_code grant');
  if (c.refreshPolicy === 'always' && c.tokenEndpointAuthMethod === 'none') throw new Err('refresh_policy always is for confidential clients only');
  if (c.subjectType === 'pairwise' && !c.sectorIdentifier) throw new Err('a pairwise client needs a sector identifier (OIDC Core §8.1)');
  if (isFapi2(c)) checkFapi2(c, Err);
}

/**
 * FAPI 2.0 Security Profile §5.3 (with Message Signing): a `fapi2` client is confidential with
 * private_key_jwt (§5.3.2.1), requires PAR (§5.3.2.2) and DPoP-bound tokens (§5.3.2.1-2, our
 * sender-constraining method), and signs or receives only PS256, ES256 or EdDSA (§5.4.1). PKCE S256,
 * the issuer alone as assertion audience, iss in responses and the 60-second code are enforced
 * where they apply (check_pkce.ts, client_auth.ts, respond.ts).
 */
function checkFapi2(c: Client, Err: MetadataError): void {
  if (c.tokenEndpointAuthMethod !== 'private_key_jwt') throw new Err('a fapi2 client authenticates with private_key_jwt (FAPI 2.0 Security Profile §5.3.2.1)');
  if (!c.requirePushedAuthorizationRequests) throw new Err('a fapi2 client requires pushed authorization requests (FAPI 2.0 Security Profile §5.3.2.2)');
  if (!c.dpopBoundAccessTokens) throw new Err('a fapi2 client has DPoP-bound access tokens (FAPI 2.0 Security Profile §5.3.2.1)');
  if (c.grantTypes.includes('client_credentials') && !c.grantTypes.includes('authorization_code')) return;
  for (const [member, alg] of [['id_token_signed_response_alg', c.idTokenAlg], ['token_endpoint_auth_signing_alg', c.tokenEndpointAuthSigningAlg], ['request_object_signing_alg', c.requestObjectSigningAlg], ['userinfo_signed_response_alg', c.userinfoAlg], ['authorization_signed_response_alg', c.authorizationSignedResponseAlg]] as const) {
    if (alg !== null && !FAPI2_ALGS.includes(alg)) throw new Err(`${member} of a fapi2 client must be one of ${FAPI2_ALGS.join(', ')} (FAPI 2.0 Security Profile §5.4.1)`);
  }
  if (c.idTokenAlg === null) throw new Err(`a fapi2 client needs id_token_signed_response_alg, one of ${FAPI2_ALGS.join(', ')}`);
}

/**
 * Logout and login-initiation metadata of a client (RP-Initiated Logout 1.0 §3, Front-Channel
 * Logout 1.0 §2, Back-Channel Logout 1.0 §2.2, OIDC Core §4). Only the members present are
 * returned; `null` removes a URI. Each URI is absolute, https (or http on loopback), no fragment.
 */
export function parseClientLogoutMetadata(body: unknown): ClientInput {
  if (!isObject(body)) throw new InvalidRequest('body must be a JSON object');
  const out: ClientInput = {};
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
  const set = <K extends keyof ClientInput>(key: K, value: ClientInput[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('frontchannelLogoutUri', uri('frontchannel_logout_uri'));
  set('frontchannelLogoutSessionRequired', flag('frontchannel_logout_session_required'));
  set('backchannelLogoutUri', uri('backchannel_logout_uri'));
  set('backchannelLogoutSessionRequired', flag('backchannel_logout_session_required'));
  set('initiateLoginUri', uri('initiate_login_uri'));
  return out;
}
