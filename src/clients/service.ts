import { hashClientSecret } from '../crypto/client_secret';
import { randomToken } from '../crypto/random';
import { InvalidRequest } from '../errors';
import { keyEncryptionKey, sealPrivateKey } from '../keys/encryption';
import { ClientRepository } from '../storage/clients';
import { grantTypesFor } from '../authorize/response_type';
import { DEFAULT_FIELDS, responseTypesOf, type Client } from './model';
import { checkClientConsistency, type ClientInput, type MetadataError } from './validate';

/**
 * The one client service: the admin API (and the CLI, which calls it) and dynamic registration
 * (RFC 7591 / RFC 7592) create and change clients here. Each caller parses its own request format
 * into a `ClientInput`; the merge, the cross-field rules, the credentials and the write are shared.
 */

export interface ClientStore {
  db: D1Database;
  /** KEY_ENCRYPTION_KEY: client_secret_jwt secrets are sealed under it. */
  kekSecret: string | undefined;
}

export interface SavedClient {
  client: Client;
  /** A newly made secret, shown once. */
  secret?: string;
}

/**
 * Gives the client the credential its authentication method needs, returning a new secret when
 * one had to be made. Secrets for basic/post are stored hashed; client_secret_jwt needs the
 * secret as its HMAC key, so that one is stored sealed under KEY_ENCRYPTION_KEY.
 */
export async function withCredentials(kekSecret: string | undefined, client: Client): Promise<SavedClient> {
  const method = client.tokenEndpointAuthMethod;
  if (method === 'none' || method === 'private_key_jwt') return { client: { ...client, secretHash: null, secretSealed: null } };
  if (method === 'client_secret_jwt') {
    if (client.secretSealed) return { client: { ...client, secretHash: null } };
    const secret = randomToken(32);
    const sealed = await sealPrivateKey(await keyEncryptionKey(kekSecret), `client-secret:${client.id}`, { k: secret });
    return { client: { ...client, secretHash: null, secretSealed: sealed }, secret };
  }
  if (client.secretHash) return { client: { ...client, secretSealed: null } };
  const secret = randomToken(32);
  return { client: { ...client, secretHash: await hashClientSecret(secret), secretSealed: null }, secret };
}

/** OIDC Core §8.1: without a sector_identifier_uri, a pairwise client's sector is the one host of its redirect URIs. */
function sectorOf(c: Client, Err: MetadataError): string | null {
  if (c.subjectType !== 'pairwise') return null;
  if (c.sectorIdentifier) return c.sectorIdentifier;
  const hosts = new Set(c.redirectUris.map((u) => new URL(u).host || new URL(u).protocol));
  if (hosts.size !== 1) throw new Err('pairwise subjects need redirect URIs on one host, or a sector_identifier_uri (OIDC Core §8.1)');
  return [...hosts][0]!;
}

/** The members of `input` applied over `base`, checked as the client will be stored. */
export function mergeClient(base: Client, input: ClientInput, Err: MetadataError = InvalidRequest): Client {
  const merged: Client = {
    ...base,
    ...input,
    lifetimes: input.lifetimes !== undefined ? { ...base.lifetimes, ...input.lifetimes } : base.lifetimes,
  };
  // Response types given without grant types bring the grants they imply (RFC 7591 §2.1).
  if (input.responseTypes && input.grantTypes === undefined) {
    const others = base.grantTypes.filter((g) => g !== 'authorization_code' && g !== 'implicit');
    merged.grantTypes = [...grantTypesFor(input.responseTypes), ...others];
  }
  // OIDC Core §8.1: a pairwise client's sub values derive from its sector; changing it would change every user's sub.
  const sectorIdentifier = sectorOf(merged, Err);
  if (base.subjectType === 'pairwise' && merged.subjectType === 'pairwise' && base.sectorIdentifier && base.sectorIdentifier !== sectorIdentifier) {
    throw new Err(`the sector identifier of this pairwise client (${base.sectorIdentifier}) cannot change: its users' sub values would`);
  }
  const client = { ...merged, sectorIdentifier };
  checkClientConsistency(client, Err);
  return client;
}

/** A new client from the defaults and `input`, stored in one statement. */
export async function createClient(store: ClientStore, input: ClientInput, opts: { Err?: MetadataError; registrationTokenHash?: string; now: number }): Promise<SavedClient> {
  const base: Client = {
    ...DEFAULT_FIELDS,
    id: randomToken(16),
    createdAt: opts.now,
    secretHash: null,
    secretSealed: null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    registrationTokenHash: opts.registrationTokenHash ?? null,
    customClaims: [],
  };
  const saved = await withCredentials(store.kekSecret, mergeClient(base, input, opts.Err));
  await new ClientRepository(store.db).insert(saved.client);
  return saved;
}

/** `input` applied over an existing client, stored in one statement. */
export async function changeClient(store: ClientStore, existing: Client, input: ClientInput, Err: MetadataError = InvalidRequest): Promise<SavedClient> {
  const saved = await withCredentials(store.kekSecret, mergeClient(existing, input, Err));
  await new ClientRepository(store.db).update(saved.client);
  return saved;
}

/**
 * The client's metadata under its RFC 7591 / Registration 1.0 §2 member names: what the admin API
 * shows and registration echoes. Only stored values appear, so nothing is echoed that is not enforced.
 */
export function clientMetadata(client: Client): Record<string, unknown> {
  const optional = (name: string, value: unknown) => (value === null || value === undefined ? {} : { [name]: value });
  return {
    client_name: client.name,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    grant_types: client.grantTypes,
    response_types: responseTypesOf(client),
    application_type: client.applicationType,
    subject_type: client.subjectType,
    ...optional('scope', client.scopes?.join(' ')),
    ...optional('default_scope', client.defaultScopes?.join(' ')),
    refresh_policy: client.refreshPolicy,
    ...optional('id_token_claims', client.idTokenClaims),
    ...optional('id_token_signed_response_alg', client.idTokenAlg),
    ...optional('userinfo_signed_response_alg', client.userinfoAlg),
    ...optional('token_endpoint_auth_signing_alg', client.tokenEndpointAuthSigningAlg),
    ...optional('jwks_uri', client.jwksUri),
    ...optional('jwks', client.jwks),
    ...optional('sector_identifier_uri', client.sectorIdentifierUri),
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    ...(client.frontchannelLogoutUri ? { frontchannel_logout_uri: client.frontchannelLogoutUri, frontchannel_logout_session_required: client.frontchannelLogoutSessionRequired } : {}),
    ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: client.backchannelLogoutSessionRequired } : {}),
    ...optional('initiate_login_uri', client.initiateLoginUri),
    ...optional('default_max_age', client.defaultMaxAge),
    ...(client.requirePushedAuthorizationRequests ? { require_pushed_authorization_requests: true } : {}),
    ...(client.dpopBoundAccessTokens ? { dpop_bound_access_tokens: true } : {}),
    ...optional('request_object_signing_alg', client.requestObjectSigningAlg),
    ...(client.requestUris.length > 0 ? { request_uris: client.requestUris } : {}),
    ...optional('authorization_signed_response_alg', client.authorizationSignedResponseAlg),
    ...optional('profile', client.profile),
    ...(client.requireAuthTime ? { require_auth_time: true } : {}),
    ...optional('default_acr_values', client.defaultAcrValues),
    ...optional('logo_uri', client.logoUri),
    ...optional('client_uri', client.clientUri),
    ...optional('policy_uri', client.policyUri),
    ...optional('tos_uri', client.tosUri),
    ...client.localized,
    ...(client.contacts.length > 0 ? { contacts: client.contacts } : {}),
    ...optional('software_id', client.softwareId),
    ...optional('software_version', client.softwareVersion),
  };
}
