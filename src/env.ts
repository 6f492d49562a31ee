import type { AuthorizationCodeStore } from './durable/authorization_code_store';
import type { LoginThrottle } from './durable/login_throttle';

/** Everything the Worker is bound to (see wrangler.toml and docs/storage-schema.md). */
export interface Bindings {
  DB: D1Database;
  KEYS: KVNamespace;
  AUTH_CODES: DurableObjectNamespace<AuthorizationCodeStore>;
  THROTTLE: DurableObjectNamespace<LoginThrottle>;
  /** Canonical issuer URL. When unset (local development) the request origin is used. */
  ISSUER?: string;
  /** Bearer secret for /admin/*. The admin API is disabled while it is unset. */
  ADMIN_TOKEN?: string;
  /** Optional overrides, in seconds. */
  CODE_TTL?: string;
  ACCESS_TOKEN_TTL?: string;
  ID_TOKEN_TTL?: string;
  SESSION_TTL?: string;
}

export type AppEnv = { Bindings: Bindings; Variables: { issuer: string } };
