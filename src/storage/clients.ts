import type { JSONWebKeySet } from 'jose';
import type { KeyAlg } from '../keys/types';
import type { SealedPrivateKey } from '../keys/types';

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

  /** Removes the client; consents, grants and interactions go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM clients WHERE id = ?').bind(id).run();
    return res.meta.changes > 0;
  }
}
