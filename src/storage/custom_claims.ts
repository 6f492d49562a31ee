/** Operator-defined claims and scopes (migration 0005), managed by the admin API. */
export interface CustomClaim {
  name: string;
  /** The key of the user's attributes the value comes from. */
  attribute: string;
  description: string | null;
  createdAt: number;
}

export interface ScopeClaim {
  name: string;
  /** When set, only these values of the user's attribute are released (a role decision). */
  values?: string[];
}

export interface CustomScope {
  name: string;
  description: string | null;
  claims: ScopeClaim[];
  createdAt: number;
}

export class CustomClaimRepository {
  constructor(private readonly db: D1Database) {}

  async all(): Promise<{ claims: CustomClaim[]; scopes: CustomScope[] }> {
    const [claims, scopes] = await this.db.batch<Record<string, unknown>>([
      this.db.prepare('SELECT * FROM custom_claims ORDER BY name'),
      this.db.prepare('SELECT * FROM custom_scopes ORDER BY name'),
    ]);
    return {
      claims: claims!.results.map((r) => ({ name: r.name as string, attribute: r.attribute as string, description: (r.description as string | null) ?? null, createdAt: r.created_at as number })),
      scopes: scopes!.results.map((r) => ({ name: r.name as string, description: (r.description as string | null) ?? null, claims: JSON.parse(r.claims as string) as ScopeClaim[], createdAt: r.created_at as number })),
    };
  }

  /** False when a claim of that name exists. */
  async insertClaim(c: CustomClaim): Promise<boolean> {
    const res = await this.db
      .prepare('INSERT INTO custom_claims (name, attribute, description, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .bind(c.name, c.attribute, c.description, c.createdAt)
      .run();
    return res.meta.changes > 0;
  }

  /** False when a scope of that name exists. */
  async insertScope(s: CustomScope): Promise<boolean> {
    const res = await this.db
      .prepare('INSERT INTO custom_scopes (name, description, claims, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .bind(s.name, s.description, JSON.stringify(s.claims), s.createdAt)
      .run();
    return res.meta.changes > 0;
  }

  async deleteClaim(name: string): Promise<boolean> {
    return (await this.db.prepare('DELETE FROM custom_claims WHERE name = ?').bind(name).run()).meta.changes > 0;
  }

  async deleteScope(name: string): Promise<boolean> {
    return (await this.db.prepare('DELETE FROM custom_scopes WHERE name = ?').bind(name).run()).meta.changes > 0;
  }
}
