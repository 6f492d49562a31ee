import type { JSONWebKeySet } from 'jose';
import type { Client, ClientAuthMethod, ClientLifetimes, ClientScopeClaim, GrantType } from '../clients/model';
import type { KeyAlg, SealedPrivateKey } from '../keys/types';
import { isolateCache, type IsolateCache } from '../isolate_cache';

export type { Client, ClientAuthMethod, ClientLifetimes, GrantType } from '../clients/model';
export { isPublicClient } from '../clients/model';

/** One row of `clients` (migrations 0001 to 0006, 0013, 0014, 0018). */
interface ClientRow {
  id: string;
  secret_hash: string | null;
  secret_sealed: string | null;
  name: string;
  redirect_uris: string;
  token_endpoint_auth_method: string;
  first_party: number;
  id_token_signed_response_alg: string | null;
  grant_types: string;
  response_types: string | null;
  scopes: string | null;
  default_scope: string | null;
  refresh_policy: string | null;
  id_token_claims: string | null;
  jwks: string | null;
  jwks_uri: string | null;
  lifetimes: string | null;
  created_at: number;
  registration_token_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  subject_type: string | null;
  sector_identifier: string | null;
  custom_claims: string | null;
  post_logout_redirect_uris: string;
  frontchannel_logout_uri: string | null;
  frontchannel_logout_session_required: number;
  backchannel_logout_uri: string | null;
  backchannel_logout_session_required: number;
  initiate_login_uri: string | null;
  application_type: string;
  token_endpoint_auth_signing_alg: string | null;
  userinfo_signed_response_alg: string | null;
  default_max_age: number | null;
  require_auth_time: number;
  default_acr_values: string | null;
  logo_uri: string | null;
  client_uri: string | null;
  policy_uri: string | null;
  tos_uri: string | null;
  localized_metadata: string | null;
  contacts: string | null;
  software_id: string | null;
  software_version: string | null;
  sector_identifier_uri: string | null;
  require_pushed_authorization_requests: number;
  dpop_bound_access_tokens: number;
  request_object_signing_alg: string | null;
  profile: string | null;
  request_uris: string | null;
  authorization_signed_response_alg: string | null;
}

const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

const fromRow = (r: ClientRow): Client => ({
  id: r.id,
  createdAt: r.created_at,
  // credentials
  tokenEndpointAuthMethod: r.token_endpoint_auth_method as ClientAuthMethod,
  secretHash: r.secret_hash,
  secretSealed: json<SealedPrivateKey>(r.secret_sealed),
  previousSecretHash: r.previous_secret_hash,
  previousSecretExpiresAt: r.previous_secret_expires_at,
  jwks: json<JSONWebKeySet>(r.jwks),
  jwksUri: r.jwks_uri,
  tokenEndpointAuthSigningAlg: r.token_endpoint_auth_signing_alg,
  // redirects and logout
  applicationType: r.application_type === 'native' ? 'native' : 'web',
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
  frontchannelLogoutUri: r.frontchannel_logout_uri,
  frontchannelLogoutSessionRequired: r.frontchannel_logout_session_required !== 0,
  backchannelLogoutUri: r.backchannel_logout_uri,
  backchannelLogoutSessionRequired: r.backchannel_logout_session_required !== 0,
  initiateLoginUri: r.initiate_login_uri,
  // request policy (RFC 9126)
  requirePushedAuthorizationRequests: r.require_pushed_authorization_requests === 1,
  dpopBoundAccessTokens: r.dpop_bound_access_tokens === 1,
  requestObjectSigningAlg: r.request_object_signing_alg ?? null,
  profile: r.profile === 'fapi2' ? 'fapi2' : null,
  requestUris: json<string[]>(r.request_uris) ?? [],
  authorizationSignedResponseAlg: r.authorization_signed_response_alg as KeyAlg | null,
  // token policy
  grantTypes: JSON.parse(r.grant_types) as GrantType[],
  responseTypes: json<string[]>(r.response_types),
  scopes: json<string[]>(r.scopes),
  defaultScopes: json<string[]>(r.default_scope),
  refreshPolicy: r.refresh_policy === 'always' ? 'always' : 'offline_access',
  idTokenClaims: r.id_token_claims === 'scope' || r.id_token_claims === 'minimal' ? r.id_token_claims : null,
  firstParty: r.first_party === 1,
  idTokenAlg: r.id_token_signed_response_alg as KeyAlg | null,
  userinfoAlg: r.userinfo_signed_response_alg as KeyAlg | null,
  lifetimes: json<ClientLifetimes>(r.lifetimes) ?? {},
  subjectType: r.subject_type === 'pairwise' ? 'pairwise' : 'public',
  sectorIdentifier: r.sector_identifier,
  defaultMaxAge: r.default_max_age,
  requireAuthTime: r.require_auth_time === 1,
  defaultAcrValues: json<string[]>(r.default_acr_values),
  customClaims: json<ClientScopeClaim[]>(r.custom_claims) ?? [],
  // registration metadata
  name: r.name,
  logoUri: r.logo_uri,
  clientUri: r.client_uri,
  policyUri: r.policy_uri,
  tosUri: r.tos_uri,
  localized: json<Record<string, string>>(r.localized_metadata) ?? {},
  contacts: json<string[]>(r.contacts) ?? [],
  softwareId: r.software_id,
  softwareVersion: r.software_version,
  sectorIdentifierUri: r.sector_identifier_uri,
  registrationTokenHash: r.registration_token_hash,
});

const jsonOrNull = (v: unknown, empty: boolean) => (empty ? null : JSON.stringify(v));

/** Every column the client service writes, with its value: the one write path of a client. */
const columnsOf = (c: Client): [string, unknown][] => [
  ['secret_hash', c.secretHash],
  ['secret_sealed', c.secretSealed ? JSON.stringify(c.secretSealed) : null],
  ['name', c.name],
  ['redirect_uris', JSON.stringify(c.redirectUris)],
  ['token_endpoint_auth_method', c.tokenEndpointAuthMethod],
  ['first_party', c.firstParty ? 1 : 0],
  ['id_token_signed_response_alg', c.idTokenAlg],
  ['grant_types', JSON.stringify(c.grantTypes)],
  ['response_types', c.responseTypes ? JSON.stringify(c.responseTypes) : null],
  ['scopes', c.scopes ? JSON.stringify(c.scopes) : null],
  ['default_scope', c.defaultScopes ? JSON.stringify(c.defaultScopes) : null],
  ['refresh_policy', c.refreshPolicy],
  ['id_token_claims', c.idTokenClaims],
  ['jwks', c.jwks ? JSON.stringify(c.jwks) : null],
  ['jwks_uri', c.jwksUri],
  ['lifetimes', jsonOrNull(c.lifetimes, Object.keys(c.lifetimes).length === 0)],
  ['registration_token_hash', c.registrationTokenHash],
  ['subject_type', c.subjectType],
  ['sector_identifier', c.sectorIdentifier],
  ['post_logout_redirect_uris', JSON.stringify(c.postLogoutRedirectUris)],
  ['frontchannel_logout_uri', c.frontchannelLogoutUri],
  ['frontchannel_logout_session_required', c.frontchannelLogoutSessionRequired ? 1 : 0],
  ['backchannel_logout_uri', c.backchannelLogoutUri],
  ['backchannel_logout_session_required', c.backchannelLogoutSessionRequired ? 1 : 0],
  ['initiate_login_uri', c.initiateLoginUri],
  ['application_type', c.applicationType],
  ['token_endpoint_auth_signing_alg', c.tokenEndpointAuthSigningAlg],
  ['userinfo_signed_response_alg', c.userinfoAlg],
  ['default_max_age', c.defaultMaxAge],
  ['require_auth_time', c.requireAuthTime ? 1 : 0],
  ['default_acr_values', c.defaultAcrValues ? JSON.stringify(c.defaultAcrValues) : null],
  ['logo_uri', c.logoUri],
  ['client_uri', c.clientUri],
  ['policy_uri', c.policyUri],
  ['tos_uri', c.tosUri],
  ['localized_metadata', jsonOrNull(c.localized, Object.keys(c.localized).length === 0)],
  ['contacts', jsonOrNull(c.contacts, c.contacts.length === 0)],
  ['software_id', c.softwareId],
  ['software_version', c.softwareVersion],
  ['sector_identifier_uri', c.sectorIdentifierUri],
  ['require_pushed_authorization_requests', c.requirePushedAuthorizationRequests ? 1 : 0],
  ['dpop_bound_access_tokens', c.dpopBoundAccessTokens ? 1 : 0],
  ['request_object_signing_alg', c.requestObjectSigningAlg],
  ['profile', c.profile],
  ['request_uris', jsonOrNull(c.requestUris, c.requestUris.length === 0)],
  ['authorization_signed_response_alg', c.authorizationSignedResponseAlg],
];

/**
 * Issue 10: clients in this isolate's memory, for the hot paths (client authentication at the
 * token, introspection and revocation endpoints). Bounded staleness: an entry is used for at most
 * CLIENT_CACHE_SECONDS after it was read, so a deleted client, a rotated secret or a removed
 * redirect URI stops working in every isolate within that time; every write through this
 * repository (the one client write path) drops the entry at once, so the isolate that made the
 * change refuses at once. Never a negative answer: an unknown client_id is not kept (a load that
 * finds nothing "fails", which `isolateCache` does not keep), so a client registered a second ago
 * works at once everywhere.
 */
export const CLIENT_CACHE_SECONDS = 60;
const CLIENT_CACHE_MAX = 1000;
const cachedClients = new Map<string, IsolateCache<Client>>();

class UnknownClient extends Error {}

/** Drops the isolate's copy of a client (after a change made in this isolate). */
export function forgetCachedClient(id: string): void {
  writes++;
  cachedClients.get(id)?.forget();
  cachedClients.delete(id);
}

/** Counts the drops, so a read that started before a write in this isolate does not seed the cache after it. */
let writes = 0;

/** How many client writes this isolate has made: a cache derived from clients (CORS origins) is void when it changes. */
export const clientWriteCount = (): number => writes;

function entryFor(id: string): IsolateCache<Client> {
  let entry = cachedClients.get(id);
  if (!entry) {
    if (cachedClients.size >= CLIENT_CACHE_MAX) cachedClients.delete(cachedClients.keys().next().value!);
    entry = isolateCache<Client>(CLIENT_CACHE_SECONDS);
    cachedClients.set(id, entry);
  }
  return entry;
}

/** Drops every cached client (tests). */
export function forgetCachedClients(): void {
  cachedClients.clear();
}

export class ClientRepository {
  constructor(private readonly db: D1Database) {}

  /**
   * The client as the primary has it now. The read also refreshes this isolate's cached copy
   * (a fresh read is never staler than the cached one; a client found gone is dropped), so the
   * pages of a sign-in warm the cache for the token request that follows.
   */
  async find(id: string): Promise<Client | null> {
    const startedAt = Date.now();
    const writesBefore = writes;
    const client = await this.load(id);
    if (!client) forgetCachedClient(id);
    else if (writes === writesBefore) {
      const entry = entryFor(id);
      entry.forget();
      void entry.get(() => Promise.resolve(client), startedAt);
    }
    return client;
  }

  private async load(id: string): Promise<Client | null> {
    const row = await this.db.prepare('SELECT * FROM clients WHERE id = ?').bind(id).first<ClientRow>();
    return row ? fromRow(row) : null;
  }

  /**
   * The client from this isolate's cache, at most CLIENT_CACHE_SECONDS old, else from D1. For
   * reads that may be that stale (authentication); the admin and registration paths, which write
   * back what they read, use `find`. `nowMs` is injectable for tests of the staleness bound.
   */
  async findCached(id: string, nowMs: number = Date.now()): Promise<Client | null> {
    const entry = entryFor(id);
    try {
      return await entry.get(async () => {
        const found = await this.load(id);
        if (!found) throw new UnknownClient();
        return found;
      }, nowMs);
    } catch (err) {
      if (!(err instanceof UnknownClient)) throw err;
      if (cachedClients.get(id) === entry) cachedClients.delete(id);
      return null;
    }
  }

  async list(): Promise<Client[]> {
    const { results } = await this.db.prepare('SELECT * FROM clients ORDER BY created_at, id').all<ClientRow>();
    return results.map(fromRow);
  }

  /** A new client, every column in one statement. */
  async insert(client: Client): Promise<void> {
    const cols = columnsOf(client);
    await this.db
      .prepare(`INSERT INTO clients (id, created_at, ${cols.map(([c]) => c).join(', ')}) VALUES (?, ?, ${cols.map(() => '?').join(', ')})`)
      .bind(client.id, client.createdAt, ...cols.map(([, v]) => v))
      .run();
    forgetCachedClient(client.id);
  }

  /** Replaces every settable column of an existing client in one statement; false for an unknown client. */
  async update(client: Client): Promise<boolean> {
    const cols = columnsOf(client);
    const res = await this.db
      .prepare(`UPDATE clients SET ${cols.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`)
      .bind(...cols.map(([, v]) => v), client.id)
      .run();
    forgetCachedClient(client.id);
    return res.meta.changes > 0;
  }

  /**
   * A new secret hash for the client; the current one keeps working until `previousExpiresAt`
   * (an overlap of 0 drops it at once). Returns false for an unknown client.
   */
  async rotateSecret(id: string, newHash: string, previousExpiresAt: number): Promise<boolean> {
    const res = await this.db
      .prepare(
        `UPDATE clients SET previous_secret_hash = CASE WHEN ?2 > 0 THEN secret_hash END,
           previous_secret_expires_at = CASE WHEN ?2 > 0 THEN ?2 END, secret_hash = ?1 WHERE id = ?3`,
      )
      .bind(newHash, previousExpiresAt, id)
      .run();
    forgetCachedClient(id);
    return res.meta.changes > 0;
  }

  /** Sets the operator-defined claims released to the client with every openid grant. */
  async setCustomClaims(id: string, claims: ClientScopeClaim[]): Promise<boolean> {
    const res = await this.db.prepare('UPDATE clients SET custom_claims = ? WHERE id = ?').bind(claims.length ? JSON.stringify(claims) : null, id).run();
    forgetCachedClient(id);
    return res.meta.changes > 0;
  }

  /** Every sealed client_secret_jwt secret, as stored (the cron re-seals them after a KEY_ENCRYPTION_KEY rotation). */
  async sealedSecrets(): Promise<{ id: string; raw: string; sealed: SealedPrivateKey }[]> {
    const { results } = await this.db.prepare('SELECT id, secret_sealed FROM clients WHERE secret_sealed IS NOT NULL').all<{ id: string; secret_sealed: string }>();
    return results.map((r) => ({ id: r.id, raw: r.secret_sealed, sealed: JSON.parse(r.secret_sealed) as SealedPrivateKey }));
  }

  /** Replaces sealed secrets in one batch, each only if it is still the value read (`raw`): a concurrent change wins. */
  async replaceSealedSecrets(updates: { id: string; raw: string; sealed: SealedPrivateKey }[]): Promise<number> {
    if (updates.length === 0) return 0;
    const results = await this.db.batch(
      updates.map((u) => this.db.prepare('UPDATE clients SET secret_sealed = ? WHERE id = ? AND secret_sealed = ?').bind(JSON.stringify(u.sealed), u.id, u.raw)),
    );
    for (const u of updates) forgetCachedClient(u.id);
    return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
  }

  /** Removes the client; consents, grants and interactions go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM clients WHERE id = ?').bind(id).run();
    forgetCachedClient(id);
    return res.meta.changes > 0;
  }
}

