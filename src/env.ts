import type { AuthorizationCodeStore } from './durable/authorization_code_store';
import type { LoginThrottle } from './durable/login_throttle';

/**
 * Everything the Worker is bound to (see wrangler.toml and docs/storage-schema.md). The variables
 * are listed for typing only: read them through settings(env) (src/settings.ts, docs/settings.md),
 * which parses and validates each once; KEY_ENCRYPTION_KEY is read by keys/encryption.
 */
export interface Bindings {
  DB: D1Database;
  KEYS: KVNamespace;
  AUTH_CODES: DurableObjectNamespace<AuthorizationCodeStore>;
  THROTTLE: DurableObjectNamespace<LoginThrottle>;
  /**
   * The key manager and logout delivery objects import this file (their own env), so it does not
   * name their classes (that would be an import cycle): use keyManager() (keys/manager.ts) and
   * logoutDeliveries() (logout/end_session.ts), which type the stubs.
   */
  KEY_MANAGER: DurableObjectNamespace;
  /** Canonical issuer URL. When unset only loopback hosts are served (development), with the request origin. */
  ISSUER?: string;
  /** Bearer secret for /admin/*. The admin API is disabled while it is unset or shorter than 32 characters. */
  ADMIN_TOKEN?: string;
  /** Optional overrides, in seconds. */
  CODE_TTL?: string;
  ACCESS_TOKEN_TTL?: string;
  ID_TOKEN_TTL?: string;
  SESSION_TTL?: string;
  REFRESH_TOKEN_TTL?: string;
  REFRESH_TOKEN_IDLE_TTL?: string;
  REFRESH_TOKEN_REUSE_INTERVAL?: string;
  /** Optional secret pepper of password hashes (HMAC-SHA-256 before PBKDF2); kept apart from D1. */
  PASSWORD_PEPPER?: string;
  /** AES-256-GCM key (base64url) that seals private signing keys at rest. */
  KEY_ENCRYPTION_KEY?: string;
  /** The previous KEY_ENCRYPTION_KEY during a rotation (parsed by src/settings.ts). */
  KEY_ENCRYPTION_KEY_PREVIOUS?: string;
  /** Comma-separated signing algorithms kept in rotation (RS256 always included). */
  SIGNING_ALGS?: string;
  /** Default ID token algorithm when the client registered none. */
  ID_TOKEN_SIGNING_ALG?: string;
  /** 2048 (default), 3072 or 4096. */
  RSA_MODULUS_LENGTH?: string;
  /** `<days>d` (default `30d`) or `monthly`. */
  KEY_ROTATION?: string;
  /** Seconds a new key is published before it signs (default 86400). */
  KEY_PREPUBLICATION?: string;
  /** Dynamic client registration: `open`, `token` (default: an initial access token is required) or `off`. */
  REGISTRATION?: string;
  /** Self-service sign-up and prompt=create: `on`, or off (the default; `npm run dev` sets `on`). */
  SIGNUP?: string;
  /** Passkeys (WebAuthn): `on` (default) or `off`. */
  PASSKEYS?: string;
  /** `aud` accepted in client assertions: `issuer-or-token-endpoint` (default) or `issuer` (FAPI 2.0). */
  CLIENT_ASSERTION_AUDIENCE?: string;
  /** `on` requires pushed authorization requests (RFC 9126) of every client; default off. */
  REQUIRE_PAR?: string;
  /** `off` stops requiring server nonces in DPoP proofs; default on. */
  DPOP_NONCE?: string;
  /** Server-side lifetime of a session without "remember me", seconds (default 86400). */
  BROWSER_SESSION_TTL?: string;
  /** First back-channel logout retry delay, seconds (default 5; doubles per attempt). */
  BACKCHANNEL_RETRY_BASE?: string;
  /** Days audit events are kept (default 90). */
  AUDIT_RETENTION_DAYS?: string;
  /** Workers Analytics Engine dataset for metrics (optional). */
  METRICS?: AnalyticsEngineDataset;
  /** One Durable Object per back-channel logout delivery. */
  LOGOUT_DELIVERY: DurableObjectNamespace;
}

import type { Client } from './storage/clients';
import type { AuditEvent } from './storage/audit_events';

export type AppEnv = {
  Bindings: Bindings;
  Variables: {
    issuer: string;
    /** Origins a page may frame (front-channel logout iframes); set only by that page. */
    frameSrc?: string[];
    /** Directives a page adds to the CSP (the form_post page: its script hash and form-action). */
    cspAdditions?: string[];
    /** The nonce of this page's scripts (CSP script-src); set only by pages that load a script. */
    scriptNonce?: string;
    /** The client authenticated by this request, once it is (token, revocation, introspection). */
    client?: Client;
    /** Request id (cf-ray, or generated): logs and the audit trail (src/observability/audit.ts). */
    requestId?: string;
    /** Who acts, for the audit trail: `admin-token`, `admin:<user id>`, `anonymous`. */
    actor?: string;
    /** The OAuth error code of the answer, for the request's log line (http/json_error.ts). */
    errorCode?: string;
    /** The request's audit events, written after the response. */
    auditEvents?: AuditEvent[];
  };
};
