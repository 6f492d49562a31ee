-- Issue 13: per-client ID token claims: 'scope' (the granted scopes' claims, OIDC Core §5.4) or
-- 'minimal'; NULL: the deployment's ID_TOKEN_CLAIMS.
ALTER TABLE clients ADD COLUMN id_token_claims TEXT;

-- Issue 13: APIs (resource servers, RFC 8707 / RFC 9068). An access token asked for with
-- `resource` = identifier carries aud = identifier and only the scopes listed here. Each API has
-- its own introspection credential (client_secret_basic): client_id and a salted hash of its secret.
CREATE TABLE apis (
  identifier TEXT PRIMARY KEY,            -- an absolute URI without fragment (RFC 8707 §2)
  name TEXT NOT NULL,
  scopes TEXT NOT NULL DEFAULT '[]',      -- JSON array; a scope belongs to at most one API
  access_token_ttl INTEGER,               -- seconds; NULL: the client's or deployment's lifetime
  signing_alg TEXT,                       -- access token JWS alg; NULL: the default algorithm
  client_id TEXT NOT NULL UNIQUE,         -- the API's introspection credential
  secret_hash TEXT NOT NULL,              -- sha256$salt$hash, as client secrets
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Issue 13: the API (resource) a grant's access tokens are for, when the authorization named one;
-- refreshes without `resource` keep it.
ALTER TABLE grants ADD COLUMN resource TEXT;
