-- Token lifecycle and client authentication (refresh tokens, client credentials, revocation,
-- introspection, JWT client assertions).

-- Which grants a client may use, which scopes it may be given, how it authenticates with JWTs,
-- and per-client token lifetimes (NULL means the global default).
ALTER TABLE clients ADD COLUMN grant_types TEXT NOT NULL DEFAULT '["authorization_code"]';
ALTER TABLE clients ADD COLUMN scopes TEXT;             -- JSON array; NULL = the standard OIDC scopes
ALTER TABLE clients ADD COLUMN jwks TEXT;               -- JSON JWK Set for private_key_jwt
ALTER TABLE clients ADD COLUMN jwks_uri TEXT;           -- or where to fetch it
ALTER TABLE clients ADD COLUMN secret_sealed TEXT;      -- client_secret_jwt only: the secret itself, AES-GCM sealed
ALTER TABLE clients ADD COLUMN lifetimes TEXT;          -- JSON {code, access_token, id_token, refresh_token, refresh_token_idle}

-- A grant now carries what a refreshed ID token must repeat.
ALTER TABLE grants ADD COLUMN auth_time INTEGER;
ALTER TABLE grants ADD COLUMN amr TEXT;

-- Refresh tokens: one row per token, stored as SHA-256. A token is rotated on use; its successor
-- is derived from it (see src/grants/refresh_token.ts), so a retry within the reuse interval gets
-- the same pair. Deleting the grant deletes the family.
CREATE TABLE refresh_tokens (
  id_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,          -- the sooner of the idle and the absolute expiry
  rotated_at INTEGER                    -- set when exchanged; any later use outside the reuse interval is theft
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens(grant_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);

-- Access tokens revoked one by one (RFC 7009), kept until they would have expired anyway.
CREATE TABLE revoked_access_tokens (
  jti TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX revoked_access_tokens_expiry ON revoked_access_tokens(expires_at);

-- RFC 7523 §3: a client assertion's jti is single-use; remembered until the assertion expires.
CREATE TABLE used_assertions (
  client_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX used_assertions_expiry ON used_assertions(expires_at);
