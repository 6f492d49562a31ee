import type { SigningAlg } from '../algorithms';
import { isolateCache } from '../isolate_cache';

/**
 * APIs (resource servers, issue 13): the `apis` table (migration 0017). An access token asked for
 * with `resource` = an API's identifier (RFC 8707) is for that API alone. Each API has its own
 * introspection credential: a client_id and a salted hash of its secret (like client secrets).
 */
export interface Api {
  /** An absolute URI without fragment (RFC 8707 §2): the access tokens' `aud`. */
  identifier: string;
  name: string;
  /** The scopes this API defines; a scope belongs to at most one API. */
  scopes: string[];
  /** Access token lifetime in seconds; null: the client's (or the deployment's). */
  accessTokenTtl: number | null;
  /** The access tokens' JWS algorithm; null: the default one. */
  signingAlg: SigningAlg | null;
  /** The introspection credential (client_secret_basic at /introspect). */
  clientId: string;
  secretHash: string;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  identifier: string;
  name: string;
  scopes: string;
  access_token_ttl: number | null;
  signing_alg: string | null;
  client_id: string;
  secret_hash: string;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): Api => ({
  identifier: r.identifier,
  name: r.name,
  scopes: JSON.parse(r.scopes) as string[],
  accessTokenTtl: r.access_token_ttl,
  signingAlg: r.signing_alg as SigningAlg | null,
  clientId: r.client_id,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The whole table, looked up by identifier, by introspection client_id and by scope. */
export interface ApiTable {
  all: Api[];
  byIdentifier: Map<string, Api>;
  byClientId: Map<string, Api>;
  byScope: Map<string, Api>;
}

export function apiTable(apis: Api[]): ApiTable {
  const byScope = new Map<string, Api>();
  for (const api of apis) for (const s of api.scopes) byScope.set(s, api);
  return { all: apis, byIdentifier: new Map(apis.map((a) => [a.identifier, a])), byClientId: new Map(apis.map((a) => [a.clientId, a])), byScope };
}

/**
 * The API table in this isolate's memory for 60 s (like clients): token requests and introspection
 * pay no D1 trip for it. Writes made in this isolate drop it at once; other isolates follow within a minute.
 */
export const API_CACHE_SECONDS = 60;
const cache = isolateCache<ApiTable>(API_CACHE_SECONDS);

export class ApiRepository {
  constructor(private readonly db: D1Database) {}

  /** The table as cached in this isolate (at most API_CACHE_SECONDS old). */
  cached(nowMs: number = Date.now()): Promise<ApiTable> {
    return cache.get(async () => apiTable(await this.list()), nowMs);
  }

  async list(): Promise<Api[]> {
    const { results } = await this.db.prepare('SELECT * FROM apis ORDER BY created_at, identifier').all<Row>();
    return results.map(fromRow);
  }

  async find(identifier: string): Promise<Api | null> {
    const row = await this.db.prepare('SELECT * FROM apis WHERE identifier = ?').bind(identifier).first<Row>();
    return row ? fromRow(row) : null;
  }

  /** False when the identifier (or the client_id) is taken. */
  async insert(api: Api): Promise<boolean> {
    const res = await this.db
      .prepare(
        `INSERT INTO apis (identifier, name, scopes, access_token_ttl, signing_alg, client_id, secret_hash, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .bind(api.identifier, api.name, JSON.stringify(api.scopes), api.accessTokenTtl, api.signingAlg, api.clientId, api.secretHash, api.createdAt, api.updatedAt)
      .run();
    cache.forget();
    return res.meta.changes > 0;
  }

  /** Replaces the settable columns; false for an unknown API. */
  async update(api: Api): Promise<boolean> {
    const res = await this.db
      .prepare('UPDATE apis SET name = ?, scopes = ?, access_token_ttl = ?, signing_alg = ?, secret_hash = ?, updated_at = ? WHERE identifier = ?')
      .bind(api.name, JSON.stringify(api.scopes), api.accessTokenTtl, api.signingAlg, api.secretHash, api.updatedAt, api.identifier)
      .run();
    cache.forget();
    return res.meta.changes > 0;
  }

  async delete(identifier: string): Promise<boolean> {
    const res = await this.db.prepare('DELETE FROM apis WHERE identifier = ?').bind(identifier).run();
    cache.forget();
    return res.meta.changes > 0;
  }
}

/** Drops this isolate's copy (tests). */
export const forgetCachedApis = (): void => cache.forget();
