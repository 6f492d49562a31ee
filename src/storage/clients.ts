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
}

interface ClientRow {
  id: string;
  secret_hash: string | null;
  name: string;
  redirect_uris: string;
  token_endpoint_auth_method: string;
  first_party: number;
  id_token_signed_response_alg: string | null;
  created_at: number;
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

  /** Removes the client; consents, grants and interactions go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM clients WHERE id = ?').bind(id).run();
    return res.meta.changes > 0;
  }
}
