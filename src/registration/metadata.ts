import { ASSERTION_SIGNING_ALGS, SECRET_ASSERTION_ALGS } from '../authn/client_assertion';
import { REQUEST_OBJECT_SIGNING_ALGS, UNSIGNED_REQUEST_OBJECT_ALG } from '../authorize/request_object';
import { SUPPORTED_AUTH_METHODS } from '../authn/client_auth';
import type { ClientAuthMethod, ClientFields, GrantType } from '../clients/model';
import { grantTypesFor } from '../authorize/response_type';
import { checkDefaultAcrValues, checkDefaultScope, checkIdTokenClaims, checkDefaultMaxAge, checkJwks, checkRequestUris, checkResponseTypes, GRANT_TYPES, isObject, SCOPE_TOKEN } from '../clients/validate';
import { InvalidClientMetadata, InvalidRedirectUri, UnapprovedSoftwareStatement } from '../errors';
import type { KeyAlg } from '../keys/types';
import { checkFetchableUrl } from '../http/outbound_address';
import { checkRegisteredRedirectUri, checkSecureUrl, checkWebUrl, type ApplicationType } from './uris';

/** What registration needs to know about this deployment. */
export interface RegistrationContext {
  /** Algorithms with a key set: the choices for id_token_ and userinfo_signed_response_alg. */
  algorithms: readonly KeyAlg[];
  /** This OP is served over http (local development): loopback http URIs are allowed for web clients. */
  insecureIssuer: boolean;
  /** REQUEST_OBJECT_NONE=on: a client may register request_object_signing_alg none. */
  requestObjectNone?: boolean;
}

/**
 * Validated registration metadata: every member a client may set about itself, under the client
 * model's names. `firstParty` and the lifetimes are the operator's, never the client's; the sector
 * identifier is resolved afterwards (it may need a fetch).
 */
export type RegisteredMetadata = Omit<ClientFields, 'firstParty' | 'lifetimes' | 'sectorIdentifier' | 'refreshPolicy' | 'profile'>;

/** Members that may carry a BCP 47 language tag: `client_name#fr` (Registration 1.0 §2.1). */
const LOCALIZABLE = ['client_name', 'logo_uri', 'client_uri', 'policy_uri', 'tos_uri'];
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
/** Encrypted responses and request objects: understood, but this OP cannot honour them. */
const ENCRYPTION_MEMBERS = [
  'id_token_encrypted_response_alg', 'id_token_encrypted_response_enc', 'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc', 'request_object_encryption_alg', 'request_object_encryption_enc',
  'authorization_encrypted_response_alg', 'authorization_encrypted_response_enc',
];
/**
 * Other members this OP understands but cannot honour: require_signed_request_object (RFC 9101
 * §10.5) and mTLS-bound tokens (RFC 8705). A present value (other than null or false) is invalid_client_metadata, never echoed.
 */
const UNHONOURED_MEMBERS = [
  'require_signed_request_object',
  'tls_client_certificate_bound_access_tokens',
  'tls_client_auth_subject_dn', 'tls_client_auth_san_dns', 'tls_client_auth_san_uri', 'tls_client_auth_san_ip', 'tls_client_auth_san_email',
];

function text(value: unknown, what: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw new InvalidClientMetadata(`${what} must be a non-empty string of at most ${max} characters`);
  return value;
}

function list(value: unknown, what: string, max = 20): unknown[] {
  if (!Array.isArray(value) || value.length > max) throw new InvalidClientMetadata(`${what} must be an array of at most ${max} values`);
  return value;
}

/** RFC 9101 / Registration 1.0 §2: request objects are signed; `none` only where the deployment allows it (REQUEST_OBJECT_NONE=on). */
function requestObjectAlg(value: unknown, ctx: RegistrationContext): string | null {
  if (value === undefined || value === null) return null;
  if (value === UNSIGNED_REQUEST_OBJECT_ALG && ctx.requestObjectNone) return value;
  if (!REQUEST_OBJECT_SIGNING_ALGS.includes(value as string)) throw new InvalidClientMetadata(`request_object_signing_alg must be one of ${REQUEST_OBJECT_SIGNING_ALGS.join(', ')} (unsigned request objects are not accepted)`);
  return value as string;
}

/** request_uris: https URIs (http on loopback only on a development OP) the OP may fetch: no private addresses. */
function requestUris(value: unknown, ctx: RegistrationContext): string[] {
  if (value === undefined || value === null) return [];
  const uris = checkRequestUris(value, InvalidClientMetadata, ctx.insecureIssuer);
  for (const uri of uris) checkFetchableUrl(uri, 'request_uri', ctx.insecureIssuer);
  return uris;
}

/** A boolean member; absent (or null) is false. */
function flag(value: unknown, what: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidClientMetadata(`${what} must be a boolean`);
  return value;
}

function signingAlg(value: unknown, what: string, ctx: RegistrationContext): KeyAlg {
  if (value === 'none') throw new InvalidClientMetadata(`${what} none is not supported: this OP signs everything it issues`);
  if (!ctx.algorithms.includes(value as KeyAlg)) throw new InvalidClientMetadata(`${what} must be one of ${ctx.algorithms.join(', ')}`);
  return value as KeyAlg;
}

/**
 * OpenID Dynamic Client Registration 1.0 §2 and RFC 7591 §2: validates a registration request
 * (also an RFC 7592 update, which replaces everything: members left out return to their
 * defaults). Members the OP does not understand are ignored and not echoed (RFC 7591 §2: the
 * server MUST ignore them); members it understands but cannot honour, and inconsistent ones, are
 * `invalid_client_metadata` or `invalid_redirect_uri` (RFC 7591 §3.2.2). `first_party` is the
 * operator's to set: a client declaring itself first-party is ignored like any unknown member.
 */
export function parseRegistration(body: unknown, ctx: RegistrationContext): RegisteredMetadata {
  if (!isObject(body)) throw new InvalidClientMetadata('the registration request must be a JSON object');
  if (body.software_statement !== undefined) throw new UnapprovedSoftwareStatement('software statements are not accepted by this OP');
  for (const m of ENCRYPTION_MEMBERS) if (body[m] !== undefined) throw new InvalidClientMetadata(`${m}: encrypted responses are not supported`);
  for (const m of UNHONOURED_MEMBERS) {
    if (body[m] !== undefined && body[m] !== null && body[m] !== false) throw new InvalidClientMetadata(`${m} is not supported by this OP`);
  }

  const applicationType = body.application_type ?? 'web';
  if (applicationType !== 'web' && applicationType !== 'native') throw new InvalidClientMetadata('application_type must be web or native');

  // RFC 7591 §2: response_types defaults to code, grant_types to authorization_code (or to what the
  // registered response types imply, §2.1).
  const responseTypes = body.response_types === undefined ? null : checkResponseTypes(body.response_types, InvalidClientMetadata);
  const grantTypes = [...new Set(list(body.grant_types ?? (responseTypes ? grantTypesFor(responseTypes) : ['authorization_code']), 'grant_types'))];
  for (const g of grantTypes) {
    if (!GRANT_TYPES.includes(g as GrantType)) throw new InvalidClientMetadata(`grant type ${String(g)} is not supported; supported: ${GRANT_TYPES.join(', ')}`);
  }
  if (grantTypes.length === 0) throw new InvalidClientMetadata('grant_types must not be empty');
  const usesCode = grantTypes.includes('authorization_code');
  const usesImplicit = grantTypes.includes('implicit');
  // Registration 1.0 §2 / RFC 7591 §2.1: response_types and grant_types must agree
  // (code ⇔ authorization_code, id_token and token ⇔ implicit).
  const implied = grantTypesFor(responseTypes ?? (usesCode ? ['code'] : []));
  if (implied.includes('authorization_code') !== usesCode) {
    throw new InvalidClientMetadata(usesCode ? 'the authorization_code grant needs a response type with code' : 'response type code needs the authorization_code grant');
  }
  if (implied.includes('implicit') !== usesImplicit) {
    throw new InvalidClientMetadata(usesImplicit ? 'the implicit grant needs a response type with id_token or token' : 'response types with id_token or token need the implicit grant');
  }
  if (grantTypes.includes('refresh_token') && !usesCode) throw new InvalidClientMetadata('the refresh_token grant needs the authorization_code grant');

  const redirectUris = [...new Set(list(body.redirect_uris ?? [], 'redirect_uris').map((u) => checkRegisteredRedirectUri(u, applicationType, ctx.insecureIssuer)))];
  if ((usesCode || usesImplicit) && redirectUris.length === 0) throw new InvalidRedirectUri('redirect_uris is required for the authorization_code and implicit grants');

  const authMethod = (body.token_endpoint_auth_method ?? 'client_secret_basic') as ClientAuthMethod;
  if (!SUPPORTED_AUTH_METHODS.includes(authMethod)) throw new InvalidClientMetadata(`token_endpoint_auth_method must be one of ${SUPPORTED_AUTH_METHODS.join(', ')}`);
  if (authMethod === 'none' && grantTypes.includes('client_credentials')) throw new InvalidClientMetadata('a public client (none) cannot use client_credentials');
  let tokenEndpointAuthSigningAlg: string | null = null;
  if (body.token_endpoint_auth_signing_alg !== undefined) {
    const allowed = authMethod === 'private_key_jwt' ? ASSERTION_SIGNING_ALGS : authMethod === 'client_secret_jwt' ? SECRET_ASSERTION_ALGS : [];
    if (!allowed.includes(body.token_endpoint_auth_signing_alg as string)) {
      throw new InvalidClientMetadata(allowed.length ? `token_endpoint_auth_signing_alg must be one of ${allowed.join(', ')} for ${authMethod}` : `token_endpoint_auth_signing_alg applies only to private_key_jwt and client_secret_jwt`);
    }
    tokenEndpointAuthSigningAlg = body.token_endpoint_auth_signing_alg as string;
  }

  // RFC 7591 §2: jwks and jwks_uri MUST NOT both be present.
  if (body.jwks !== undefined && body.jwks_uri !== undefined) throw new InvalidClientMetadata('jwks and jwks_uri must not both be present');
  const jwks = body.jwks === undefined ? null : checkJwks(body.jwks, InvalidClientMetadata);
  const jwksUri = body.jwks_uri === undefined ? null : checkSecureUrl(body.jwks_uri, 'jwks_uri', ctx.insecureIssuer);
  checkFetchableUrl(jwksUri, 'jwks_uri', ctx.insecureIssuer);
  if (authMethod === 'private_key_jwt' && !jwks && !jwksUri) throw new InvalidClientMetadata('private_key_jwt needs jwks or jwks_uri');

  const idTokenAlg = body.id_token_signed_response_alg === undefined ? null : signingAlg(body.id_token_signed_response_alg, 'id_token_signed_response_alg', ctx);
  const userinfoAlg = body.userinfo_signed_response_alg === undefined ? null : signingAlg(body.userinfo_signed_response_alg, 'userinfo_signed_response_alg', ctx);

  let scopes: string[] | null = null;
  if (body.scope !== undefined) {
    if (typeof body.scope !== 'string') throw new InvalidClientMetadata('scope must be a space-separated string');
    scopes = [...new Set(body.scope.split(' ').filter(Boolean))];
    if (scopes.length === 0 || scopes.length > 50 || scopes.some((s) => !SCOPE_TOKEN.test(s))) throw new InvalidClientMetadata('scope must list 1 to 50 RFC 6749 scope tokens');
  }

  const subjectType = body.subject_type ?? 'public';
  if (subjectType !== 'public' && subjectType !== 'pairwise') throw new InvalidClientMetadata('subject_type must be public or pairwise');
  const sectorIdentifierUri = body.sector_identifier_uri === undefined ? null : checkSecureUrl(body.sector_identifier_uri, 'sector_identifier_uri', ctx.insecureIssuer);
  checkFetchableUrl(sectorIdentifierUri, 'sector_identifier_uri', ctx.insecureIssuer);

  const descriptive = readDescriptive(body);
  const name = descriptive.client_name ?? (redirectUris[0] ? new URL(redirectUris[0]).host || 'Unnamed application' : 'Unnamed application');
  const localized = Object.fromEntries(Object.entries(descriptive).filter(([k]) => k.includes('#')));
  return {
    name,
    logoUri: descriptive.logo_uri ?? null,
    clientUri: descriptive.client_uri ?? null,
    policyUri: descriptive.policy_uri ?? null,
    tosUri: descriptive.tos_uri ?? null,
    localized,
    applicationType,
    redirectUris,
    tokenEndpointAuthMethod: authMethod,
    tokenEndpointAuthSigningAlg,
    grantTypes: grantTypes as GrantType[],
    responseTypes,
    idTokenAlg,
    userinfoAlg,
    scopes,
    defaultScopes: body.default_scope === undefined ? null : checkDefaultScope(body.default_scope, InvalidClientMetadata),
    // Issue 13: the client's choice of ID token claims; unset: the deployment's ID_TOKEN_CLAIMS.
    idTokenClaims: body.id_token_claims === undefined ? null : checkIdTokenClaims(body.id_token_claims, InvalidClientMetadata),
    jwks,
    jwksUri,
    subjectType,
    sectorIdentifierUri,
    requirePushedAuthorizationRequests: flag(body.require_pushed_authorization_requests, 'require_pushed_authorization_requests'),
    dpopBoundAccessTokens: flag(body.dpop_bound_access_tokens, 'dpop_bound_access_tokens'),
    requestObjectSigningAlg: requestObjectAlg(body.request_object_signing_alg, ctx),
    // OIDC Core §6.2 / RFC 9101 §5.2: the request_uri values /authorize may fetch (https; the fetch is SSRF-guarded).
    requestUris: requestUris(body.request_uris, ctx),
    // JARM §3: the algorithm of its signed authorization responses.
    authorizationSignedResponseAlg: body.authorization_signed_response_alg === undefined || body.authorization_signed_response_alg === null ? null : signingAlg(body.authorization_signed_response_alg, 'authorization_signed_response_alg', ctx),
    ...readOptional(body, applicationType, ctx),
  };
}

/** client_name, logo_uri, client_uri, policy_uri, tos_uri, each also with #language-tag variants. */
function readDescriptive(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    const [base, tag, extra] = key.split('#');
    if (!LOCALIZABLE.includes(base!) || extra !== undefined) continue;
    if (tag !== undefined && !LANGUAGE_TAG.test(tag)) throw new InvalidClientMetadata(`${key}: ${tag} is not a BCP 47 language tag`);
    out[key] = base === 'client_name' ? text(value, key).trim() : checkWebUrl(value, key);
  }
  return out;
}

type OptionalMembers = Pick<
  RegisteredMetadata,
  | 'contacts' | 'defaultMaxAge' | 'requireAuthTime' | 'defaultAcrValues' | 'initiateLoginUri' | 'postLogoutRedirectUris'
  | 'frontchannelLogoutUri' | 'frontchannelLogoutSessionRequired' | 'backchannelLogoutUri' | 'backchannelLogoutSessionRequired'
  | 'softwareId' | 'softwareVersion'
>;

/** The remaining standard members, each stored in its column and enforced. */
function readOptional(body: Record<string, unknown>, appType: ApplicationType, ctx: RegistrationContext): OptionalMembers {
  const flag = (name: string, otherwise: boolean): boolean => {
    if (body[name] === undefined) return otherwise;
    if (typeof body[name] !== 'boolean') throw new InvalidClientMetadata(`${name} must be a boolean`);
    return body[name];
  };
  const secureUrl = (name: string, httpsOnly = false) => (body[name] === undefined ? null : checkSecureUrl(body[name], name, ctx.insecureIssuer, httpsOnly));
  const optionalText = (name: string) => (body[name] === undefined ? null : text(body[name], name));
  // The OP POSTs logout tokens there: never to a private or loopback address (SSRF).
  const backchannelLogoutUri = secureUrl('backchannel_logout_uri');
  checkFetchableUrl(backchannelLogoutUri, 'backchannel_logout_uri', ctx.insecureIssuer);
  return {
    contacts: body.contacts === undefined ? [] : list(body.contacts, 'contacts', 10).map((c) => text(c, 'each contact', 320)),
    defaultMaxAge: body.default_max_age === undefined ? null : checkDefaultMaxAge(body.default_max_age, InvalidClientMetadata),
    requireAuthTime: flag('require_auth_time', false),
    defaultAcrValues: body.default_acr_values === undefined ? null : checkDefaultAcrValues(body.default_acr_values, InvalidClientMetadata),
    // OIDC Core §4: initiate_login_uri MUST use https.
    initiateLoginUri: secureUrl('initiate_login_uri', true),
    postLogoutRedirectUris:
      body.post_logout_redirect_uris === undefined
        ? []
        : [...new Set(list(body.post_logout_redirect_uris, 'post_logout_redirect_uris').map((u) => checkRegisteredRedirectUri(u, appType, ctx.insecureIssuer, 'post_logout_redirect_uri', InvalidClientMetadata)))],
    frontchannelLogoutUri: secureUrl('frontchannel_logout_uri'),
    // Front-Channel Logout 1.0 §2 / Back-Channel Logout 1.0 §2.2: the session flags default to false.
    frontchannelLogoutSessionRequired: flag('frontchannel_logout_session_required', false),
    backchannelLogoutUri,
    backchannelLogoutSessionRequired: flag('backchannel_logout_session_required', false),
    softwareId: optionalText('software_id'),
    softwareVersion: optionalText('software_version'),
  };
}
