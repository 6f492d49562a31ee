import type { JSONWebKeySet } from 'jose';
import { ASSERTION_SIGNING_ALGS, SECRET_ASSERTION_ALGS } from '../authn/client_assertion';
import { SUPPORTED_AUTH_METHODS } from '../authn/client_auth';
import { InvalidClientMetadata, InvalidRedirectUri, UnapprovedSoftwareStatement } from '../errors';
import type { KeyAlg } from '../keys/types';
import type { ClientAuthMethod, GrantType } from '../storage/clients';
import { checkFetchableUrl } from '../http/outbound_address';
import { checkRegisteredRedirectUri, checkSecureUrl, checkWebUrl, type ApplicationType } from './uris';

/** What registration needs to know about this deployment. */
export interface RegistrationContext {
  /** Algorithms with a key set: the choices for id_token_ and userinfo_signed_response_alg. */
  algorithms: readonly KeyAlg[];
  /** This OP is served over http (local development): loopback http URIs are allowed for web clients. */
  insecureIssuer: boolean;
}

/** Validated registration metadata: the client's columns, and the rest to store and echo back. */
export interface RegisteredMetadata {
  name: string;
  redirectUris: string[];
  authMethod: ClientAuthMethod;
  grantTypes: GrantType[];
  idTokenAlg: KeyAlg | null;
  scopes: string[] | null;
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  /** Every other registered member, as it is echoed in registration responses. */
  metadata: Record<string, unknown>;
}

const GRANT_TYPES: GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];
/** Members whose values may carry a BCP 47 language tag: `client_name#fr` (Registration 1.0 §2.1). */
const LOCALIZABLE = ['client_name', 'logo_uri', 'client_uri', 'policy_uri', 'tos_uri'];
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const ENCRYPTION_MEMBERS = [
  'id_token_encrypted_response_alg', 'id_token_encrypted_response_enc', 'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc', 'request_object_encryption_alg', 'request_object_encryption_enc',
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(value: unknown, what: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw new InvalidClientMetadata(`${what} must be a non-empty string of at most ${max} characters`);
  return value;
}

function list(value: unknown, what: string, max = 20): unknown[] {
  if (!Array.isArray(value) || value.length > max) throw new InvalidClientMetadata(`${what} must be an array of at most ${max} values`);
  return value;
}

function checkJwks(value: unknown): JSONWebKeySet {
  if (!isObject(value) || !Array.isArray(value.keys) || value.keys.length === 0 || value.keys.length > 20) throw new InvalidClientMetadata('jwks must be a JWK Set with 1 to 20 keys');
  for (const k of value.keys) {
    if (!isObject(k) || typeof k.kty !== 'string') throw new InvalidClientMetadata('every key in jwks needs a kty');
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) if (member in k) throw new InvalidClientMetadata('jwks must contain public keys only');
  }
  return value as unknown as JSONWebKeySet;
}

function signingAlg(value: unknown, what: string, ctx: RegistrationContext): KeyAlg {
  if (value === 'none') throw new InvalidClientMetadata(`${what} none is not supported: this OP signs everything it issues`);
  if (!ctx.algorithms.includes(value as KeyAlg)) throw new InvalidClientMetadata(`${what} must be one of ${ctx.algorithms.join(', ')}`);
  return value as KeyAlg;
}

/**
 * OpenID Dynamic Client Registration 1.0 §2 and RFC 7591 §2: validates a registration request
 * (also an RFC 7592 update, which replaces everything). Unknown members are ignored (RFC 7591 §2
 * "MUST ignore"); inconsistent ones are `invalid_client_metadata` or `invalid_redirect_uri`.
 */
export function parseRegistration(body: unknown, ctx: RegistrationContext): RegisteredMetadata {
  if (!isObject(body)) throw new InvalidClientMetadata('the registration request must be a JSON object');
  if (body.software_statement !== undefined) throw new UnapprovedSoftwareStatement('software statements are not accepted by this OP');
  for (const m of ENCRYPTION_MEMBERS) if (body[m] !== undefined) throw new InvalidClientMetadata(`${m}: encrypted responses are not supported`);
  const meta: Record<string, unknown> = {};

  const appType = body.application_type ?? 'web';
  if (appType !== 'web' && appType !== 'native') throw new InvalidClientMetadata('application_type must be web or native');
  meta.application_type = appType;

  const grantTypes = [...new Set(list(body.grant_types ?? ['authorization_code'], 'grant_types'))];
  for (const g of grantTypes) {
    if (g === 'implicit') throw new InvalidClientMetadata('the implicit grant needs response type token or id_token, which this OP does not offer: only code');
    if (!GRANT_TYPES.includes(g as GrantType)) throw new InvalidClientMetadata(`grant type ${String(g)} is not supported; supported: ${GRANT_TYPES.join(', ')}`);
  }
  if (grantTypes.length === 0) throw new InvalidClientMetadata('grant_types must not be empty');
  const usesCode = grantTypes.includes('authorization_code');
  const responseTypes = [...new Set(list(body.response_types ?? (usesCode ? ['code'] : []), 'response_types'))];
  for (const r of responseTypes) if (r !== 'code') throw new InvalidClientMetadata(`response type ${String(r)} is not supported: only code`);
  // Registration 1.0 §2: response_types and grant_types must agree (code <-> authorization_code).
  if (responseTypes.includes('code') !== usesCode) {
    throw new InvalidClientMetadata(usesCode ? 'the authorization_code grant needs the code response type' : 'response type code needs the authorization_code grant');
  }
  if (grantTypes.includes('refresh_token') && !usesCode) throw new InvalidClientMetadata('the refresh_token grant needs the authorization_code grant');
  meta.response_types = responseTypes;

  const redirectUris = [...new Set(list(body.redirect_uris ?? [], 'redirect_uris').map((u) => checkRegisteredRedirectUri(u, appType as ApplicationType, ctx.insecureIssuer)))];
  if (usesCode && redirectUris.length === 0) throw new InvalidRedirectUri('redirect_uris is required for the authorization_code grant');

  const authMethod = (body.token_endpoint_auth_method ?? 'client_secret_basic') as ClientAuthMethod;
  if (!SUPPORTED_AUTH_METHODS.includes(authMethod)) throw new InvalidClientMetadata(`token_endpoint_auth_method must be one of ${SUPPORTED_AUTH_METHODS.join(', ')}`);
  if (authMethod === 'none' && grantTypes.includes('client_credentials')) throw new InvalidClientMetadata('a public client (none) cannot use client_credentials');
  if (body.token_endpoint_auth_signing_alg !== undefined) {
    const allowed = authMethod === 'private_key_jwt' ? ASSERTION_SIGNING_ALGS : authMethod === 'client_secret_jwt' ? SECRET_ASSERTION_ALGS : [];
    if (!allowed.includes(body.token_endpoint_auth_signing_alg as string)) {
      throw new InvalidClientMetadata(allowed.length ? `token_endpoint_auth_signing_alg must be one of ${allowed.join(', ')} for ${authMethod}` : `token_endpoint_auth_signing_alg applies only to private_key_jwt and client_secret_jwt`);
    }
    meta.token_endpoint_auth_signing_alg = body.token_endpoint_auth_signing_alg;
  }

  // RFC 7591 §2: jwks and jwks_uri MUST NOT both be present.
  if (body.jwks !== undefined && body.jwks_uri !== undefined) throw new InvalidClientMetadata('jwks and jwks_uri must not both be present');
  const jwks = body.jwks === undefined ? null : checkJwks(body.jwks);
  const jwksUri = body.jwks_uri === undefined ? null : checkSecureUrl(body.jwks_uri, 'jwks_uri', ctx.insecureIssuer);
  checkFetchableUrl(jwksUri, 'jwks_uri', ctx.insecureIssuer);
  if (authMethod === 'private_key_jwt' && !jwks && !jwksUri) throw new InvalidClientMetadata('private_key_jwt needs jwks or jwks_uri');

  const idTokenAlg = body.id_token_signed_response_alg === undefined ? null : signingAlg(body.id_token_signed_response_alg, 'id_token_signed_response_alg', ctx);
  if (body.userinfo_signed_response_alg !== undefined) meta.userinfo_signed_response_alg = signingAlg(body.userinfo_signed_response_alg, 'userinfo_signed_response_alg', ctx);

  let scopes: string[] | null = null;
  if (body.scope !== undefined) {
    if (typeof body.scope !== 'string') throw new InvalidClientMetadata('scope must be a space-separated string');
    scopes = [...new Set(body.scope.split(' ').filter(Boolean))];
    if (scopes.length === 0 || scopes.length > 50 || scopes.some((s) => !SCOPE_TOKEN.test(s))) throw new InvalidClientMetadata('scope must list 1 to 50 RFC 6749 scope tokens');
  }

  const subjectType = body.subject_type ?? 'public';
  if (subjectType !== 'public' && subjectType !== 'pairwise') throw new InvalidClientMetadata('subject_type must be public or pairwise');
  meta.subject_type = subjectType;
  if (body.sector_identifier_uri !== undefined) meta.sector_identifier_uri = checkSecureUrl(body.sector_identifier_uri, 'sector_identifier_uri', ctx.insecureIssuer);
  checkFetchableUrl(meta.sector_identifier_uri, 'sector_identifier_uri', ctx.insecureIssuer);

  readDescriptive(body, meta);
  readOptional(body, meta, ctx);
  const name = typeof meta.client_name === 'string' ? meta.client_name : redirectUris[0] ? new URL(redirectUris[0]).host || 'Unnamed application' : 'Unnamed application';
  delete meta.client_name;
  return { name, redirectUris, authMethod, grantTypes: grantTypes as GrantType[], idTokenAlg, scopes, jwks, jwksUri, metadata: meta };
}

/** client_name, logo_uri, client_uri, policy_uri, tos_uri, each also with #language-tag variants. */
function readDescriptive(body: Record<string, unknown>, meta: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    const [base, tag, extra] = key.split('#');
    if (!LOCALIZABLE.includes(base!) || extra !== undefined) continue;
    if (tag !== undefined && !LANGUAGE_TAG.test(tag)) throw new InvalidClientMetadata(`${key}: ${tag} is not a BCP 47 language tag`);
    meta[key] = base === 'client_name' ? text(value, key).trim() : checkWebUrl(value, key);
  }
}

/** The remaining standard members: stored and echoed back. */
function readOptional(body: Record<string, unknown>, meta: Record<string, unknown>, ctx: RegistrationContext): void {
  if (body.contacts !== undefined) meta.contacts = list(body.contacts, 'contacts', 10).map((c) => text(c, 'each contact', 320));
  if (body.default_max_age !== undefined) {
    if (!Number.isInteger(body.default_max_age) || (body.default_max_age as number) < 0) throw new InvalidClientMetadata('default_max_age must be a whole number of seconds');
    meta.default_max_age = body.default_max_age;
  }
  for (const flag of ['require_auth_time', 'frontchannel_logout_session_required', 'backchannel_logout_session_required']) {
    if (body[flag] === undefined) continue;
    if (typeof body[flag] !== 'boolean') throw new InvalidClientMetadata(`${flag} must be a boolean`);
    meta[flag] = body[flag];
  }
  if (body.default_acr_values !== undefined) meta.default_acr_values = list(body.default_acr_values, 'default_acr_values').map((v) => text(v, 'each default_acr_values entry'));
  // OIDC Core §4: initiate_login_uri MUST use https.
  if (body.initiate_login_uri !== undefined) meta.initiate_login_uri = checkSecureUrl(body.initiate_login_uri, 'initiate_login_uri', ctx.insecureIssuer, true);
  const appType = meta.application_type as ApplicationType;
  if (body.post_logout_redirect_uris !== undefined) {
    meta.post_logout_redirect_uris = list(body.post_logout_redirect_uris, 'post_logout_redirect_uris').map((u) => checkRegisteredRedirectUri(u, appType, ctx.insecureIssuer, 'post_logout_redirect_uri', InvalidClientMetadata));
  }
  for (const uri of ['frontchannel_logout_uri', 'backchannel_logout_uri']) {
    if (body[uri] !== undefined) meta[uri] = checkSecureUrl(body[uri], uri, ctx.insecureIssuer);
  }
  checkFetchableUrl(meta.backchannel_logout_uri, 'backchannel_logout_uri', ctx.insecureIssuer);
  for (const s of ['software_id', 'software_version']) if (body[s] !== undefined) meta[s] = text(body[s], s);
}
