import type { KeyAlg } from '../keys/types';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface Client {
  id: string;
  secretHash: string | null;
  name: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: ClientAuthMethod;
  firstParty: boolean;
  /** The client's id_token_signed_response_alg, or null for the server default. */
  idTokenAlg: KeyAlg | null;
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
  name: string;
  redirect_uris: string;
  token_endpoint_auth_method: string;
  first_party: number;
  id_token_signed_response_alg: string | null;
  created_at: number;
  post_logout_redirect_uris?: string;
  frontchannel_logout_uri?: string | null;
  frontchannel_logout_session_required?: number;
  backchannel_logout_uri?: string | null;
  backchannel_logout_session_required?: number;
  initiate_login_uri?: string | null;
}

const fromRow = (r: ClientRow): Client => ({
  id: r.id,
  secretHash: r.secret_hash,
  name: r.name,
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  tokenEndpointAuthMethod: r.token_endpoint_auth_method as ClientAuthMethod,
  firstParty: r.first_party === 1,
  idTokenAlg: r.id_token_signed_response_alg as KeyAlg | null,
  createdAt: r.created_at,
  postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris ?? '[]') as string[],
  frontchannelLogoutUri: r.frontchannel_logout_uri ?? null,
  frontchannelLogoutSessionRequired: r.frontchannel_logout_session_required !== 0,
  backchannelLogoutUri: r.backchannel_logout_uri ?? null,
  backchannelLogoutSessionRequired: r.backchannel_logout_session_required !== 0,
  initiateLoginUri: r.initiate_login_uri ?? null,
});

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
      .prepare(
        `INSERT INTO clients (id, secret_hash, name, redirect_uris, token_endpoint_auth_method, first_party, id_token_signed_response_alg, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        client.id,
        client.secretHash,
        client.name,
        JSON.stringify(client.redirectUris),
        client.tokenEndpointAuthMethod,
        client.firstParty ? 1 : 0,
        client.idTokenAlg,
        client.createdAt,
      )
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

  /** Removes the client; consents, grants and interactions go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM clients WHERE id = ?').bind(id).run();
    return res.meta.changes > 0;
  }
}
