import type { JSONWebKeySet } from 'jose';
import type { KeyAlg } from '../keys/types';
import type { SealedPrivateKey } from '../keys/types';
import type { ScopeClaim } from './custom_claims';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** Per-client overrides of the global lifetimes, in seconds. */
export interface ClientLifetimes {
  access_token?: number;
  id_token?: number;
  refresh_token?: number;
  refresh_token_idle?: number;
}

export interface Client {
  id: string;
  /** Salted SHA-256 of the secret (client_secret_basic / client_secret_post). */
  secretHash: string | null;
  /** client_secret_jwt needs the secret itself as its HMAC key, so it is kept sealed instead of hashed. */
  secretSealed: SealedPrivateKey | null;
  name: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: ClientAuthMethod;
  firstParty: boolean;
  /** The client's id_token_signed_response_alg, or null for the server default. */
  idTokenAlg: KeyAlg | null;
  grantTypes: GrantType[];
  /** Scopes the client may be given; null means the standard OIDC scopes. */
  scopes: string[] | null;
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  lifetimes: ClientLifetimes;
  createdAt: number;
  /** Registration metadata kept only to be echoed back (migration 0005); null for admin-made clients. */
  metadata?: Record<string, unknown> | null;
  /** RFC 7592: SHA-256 of the registration access token; null for admin-made clients. */
  registrationTokenHash?: string | null;
  /** After a secret rotation, the previous secret's hash, accepted until previousSecretExpiresAt. */
  previousSecretHash?: string | null;
  previousSecretExpiresAt?: number | null;
  /** OIDC Core §8: `pairwise` clients see sub values computed from their sector identifier. */
  subjectType?: 'public' | 'pairwise';
  sectorIdentifier?: string | null;
  /** Operator-defined claims released to this client whenever openid is granted (migration 0005). */
  customClaims?: ScopeClaim[];
  /** Logout and login-initiation metadata (migration 0004); absent means none registered. */
  postLogoutRedirectUris?: string[];
  frontchannelLogoutUri?: string | null;
  frontchannelLogoutSessionRequired?: boolean;
  backchannelLogoutUri?: string | null;
  backchannelLogoutSessionRequired?: boolean;
  initiateLoginUri?: string | null;
}

/** The client metadata that can be changed after registration (admin `clients update`). */
export type ClientLogoutMetadata = Pick<
  Client,
  'postLogoutRedirectUris' | 'frontchannelLogoutUri' | 'frontchannelLogoutSessionRequired' | 'backchannelLogoutUri' | 'backchannelLogoutSessionRequired' | 'initiateLoginUri'
>;

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
  scopes: string | null;
  jwks: string | null;
  jwks_uri: string | null;
  lifetimes: string | null;
  created_at: number;
  metadata?: string | null;
  registration_token_hash?: string | null;
  previous_secret_hash?: string | null;
  previous_secret_expires_at?: number | null;
  subject_type?: string | null;
  sector_identifier?: string | null;
  custom_claims?: string | null;
  post_logout_redirect_uris?: string;
  frontchannel_logout_uri?: string | null;
  frontchannel_logout_session_required?: number;
  backchannel_logout_uri?: string | null;
  backchannel_logout_session_required?: number;
  initiate_login_uri?: string | null;
}

const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

const fromRow = (r: ClientRow): Client => ({
  id: r.id,
  secretHash: r.secret_hash,
  secretSealed: json<SealedPrivateKey>(r.secret_sealed),
  name: r.name,
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  tokenEndpointAuthMethod: r.token_endpoint_auth_method as ClientAuthMethod,
  firstParty: r.first_party === 1,
  idTokenAlg: r.id_token_signed_response_alg as KeyAlg | null,
  grantTypes: JSON.parse(r.grant_types) as GrantType[],
  scopes: json<string[]>(r.scopes),
  jwks: json<JSONWebKeySet>(r.jwks),
  jwksUri: r.jwks_uri,
  lifetimes: json<ClientLifetimes>(r.lifetimes) ?? {},
  createdAt: r.created_at,
  metadata: json<Record<string, unknown>>(r.metadata ?? null),
  registrationTokenHash: r.registration_token_hash ?? null,
  previousSecretHash: r.previous_secret_hash ?? null,
  previousSecretExpiresAt: r.previous_secret_expires_at ?? null,
  subjectType: r.subject_type === 'pairwise' ? 'pairwise' : 'public',
  sectorIdentifier: r.sector_identifier ?? null,
  customClaims: json<ScopeClaim[]>(r.custom_claims ?? null) ?? [],
  postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris ?? '[]') as string[],
  frontchannelLogoutUri: r.frontchannel_logout_uri ?? null,
  frontchannelLogoutSessionRequired: r.frontchannel_logout_session_required !== 0,
  backchannelLogoutUri: r.backchannel_logout_uri ?? null,
  backchannelLogoutSessionRequired: r.backchannel_logout_session_required !== 0,
  initiateLoginUri: r.initiate_login_uri ?? null,
});

const toRow = (c: Client): unknown[] => [
  c.secretHash,
  c.secretSealed ? JSON.stringify(c.secretSealed) : null,
  c.name,
  JSON.stringify(c.redirectUris),
  c.tokenEndpointAuthMethod,
  c.firstParty ? 1 : 0,
  c.idTokenAlg,
  JSON.stringify(c.grantTypes),
  c.scopes ? JSON.stringify(c.scopes) : null,
  c.jwks ? JSON.stringify(c.jwks) : null,
  c.jwksUri,
  Object.keys(c.lifetimes).length > 0 ? JSON.stringify(c.lifetimes) : null,
];

const COLUMNS = 'secret_hash, secret_sealed, name, redirect_uris, token_endpoint_auth_method, first_party, id_token_signed_response_alg, grant_types, scopes, jwks, jwks_uri, lifetimes';

export const isPublicClient = (client: Client): boolean => client.tokenEndpointAuthMethod === 'none';

export class ClientRepository {
  constructor(private readonly db: D1Database) {}

  async find(id: string): Promise<Client | null> {
    const row = await this.db.prepare('SELECT * FROM clients WHERE id = ?').bind(id).first<ClientRow>();
    return row ? fromRow(row) : null;
  }

  async list(): Promise<Client[]> {
    const { results } = await this.db.prepare('SELECT * FROM clients ORDER BY created_at, id').all<ClientRow>();
    return results.map(fromRow);
  }

  async insert(client: Client): Promise<void> {
    await this.db
      .prepare(`INSERT INTO clients (id, ${COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(client.id, ...toRow(client), client.createdAt)
      .run();
  }

  /** Sets the logout and login-initiation metadata given (undefined members are left as they are). */
  async updateMetadata(id: string, m: ClientLogoutMetadata): Promise<boolean> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const put = (column: string, value: unknown) => {
      if (value === undefined) return;
      sets.push(`${column} = ?`);
      values.push(value);
    };
    put('post_logout_redirect_uris', m.postLogoutRedirectUris === undefined ? undefined : JSON.stringify(m.postLogoutRedirectUris));
    put('frontchannel_logout_uri', m.frontchannelLogoutUri);
    put('frontchannel_logout_session_required', m.frontchannelLogoutSessionRequired === undefined ? undefined : m.frontchannelLogoutSessionRequired ? 1 : 0);
    put('backchannel_logout_uri', m.backchannelLogoutUri);
    put('backchannel_logout_session_required', m.backchannelLogoutSessionRequired === undefined ? undefined : m.backchannelLogoutSessionRequired ? 1 : 0);
    put('initiate_login_uri', m.initiateLoginUri);
    if (sets.length === 0) return (await this.find(id)) !== null;
    const res = await this.db.prepare(`UPDATE clients SET ${sets.join(', ')} WHERE id = ?`).bind(...values, id).run();
    return res.meta.changes > 0;
  }

  /** Replaces every mutable field of an existing client. */
  async update(client: Client): Promise<boolean> {
    const sets = COLUMNS.split(', ').map((c) => `${c} = ?`).join(', ');
    const res = await this.db.prepare(`UPDATE clients SET ${sets} WHERE id = ?`).bind(...toRow(client), client.id).run();
    return res.meta.changes > 0;
  }

  /**
   * A dynamically registered client (RFC 7591): the client row and its registration metadata and
   * registration access token hash, in one transaction.
   */
  async insertRegistered(client: Client, metadata: Record<string, unknown>, registrationTokenHash: string): Promise<void> {
    await this.db.batch([
      this.db.prepare(`INSERT INTO clients (id, ${COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).bind(client.id, ...toRow(client), client.createdAt),
      this.db
        .prepare('UPDATE clients SET metadata = ?, registration_token_hash = ?, subject_type = ?, sector_identifier = ? WHERE id = ?')
        .bind(JSON.stringify(metadata), registrationTokenHash, client.subjectType ?? 'public', client.sectorIdentifier ?? null, client.id),
    ]);
  }

  /** RFC 7592 §2.2: replaces a registered client's fields and metadata in one transaction. */
  async replaceRegistered(client: Client, metadata: Record<string, unknown>): Promise<void> {
    const sets = COLUMNS.split(', ').map((c) => `${c} = ?`).join(', ');
    await this.db.batch([
      this.db.prepare(`UPDATE clients SET ${sets} WHERE id = ?`).bind(...toRow(client), client.id),
      this.db
        .prepare('UPDATE clients SET metadata = ?, subject_type = ?, sector_identifier = ? WHERE id = ?')
        .bind(JSON.stringify(metadata), client.subjectType ?? 'public', client.sectorIdentifier ?? null, client.id),
    ]);
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
    return res.meta.changes > 0;
  }

  /** Sets the operator-defined claims released to the client with every openid grant. */
  async setCustomClaims(id: string, claims: ScopeClaim[]): Promise<boolean> {
    const res = await this.db.prepare('UPDATE clients SET custom_claims = ? WHERE id = ?').bind(claims.length ? JSON.stringify(claims) : null, id).run();
    return res.meta.changes > 0;
  }

  /** Removes the client; consents, grants and interactions go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM clients WHERE id = ?').bind(id).run();
    return res.meta.changes > 0;
  }
}
