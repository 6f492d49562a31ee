-- Issue 6: dynamic client registration (OIDC Dynamic Client Registration 1.0, RFC 7591) and its
-- management protocol (RFC 7592), client secret rotation with an overlap.

-- Registration metadata the OP stores and echoes back but keeps no column for (client_name#fr,
-- logo_uri, contacts, application_type, logout URIs, ...): a JSON object; NULL for clients made by
-- the admin API. Columns stay the source of truth for everything the OP acts on.
ALTER TABLE clients ADD COLUMN metadata TEXT;
-- RFC 7592 §1: SHA-256 of the registration access token; NULL for clients made by the admin API.
ALTER TABLE clients ADD COLUMN registration_token_hash TEXT;
-- OIDC Core §8: `public` or `pairwise`; for pairwise clients, the sector identifier (a host) that
-- their `sub` values are computed from.
ALTER TABLE clients ADD COLUMN subject_type TEXT NOT NULL DEFAULT 'public';
ALTER TABLE clients ADD COLUMN sector_identifier TEXT;
-- Secret rotation: the previous secret's hash keeps working until previous_secret_expires_at.
ALTER TABLE clients ADD COLUMN previous_secret_hash TEXT;
ALTER TABLE clients ADD COLUMN previous_secret_expires_at INTEGER;

-- RFC 7591 §3: initial access tokens issued by the operator, stored as SHA-256; each use is
-- counted down atomically.
CREATE TABLE initial_access_tokens (
  token_hash TEXT PRIMARY KEY,
  uses_left INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX initial_access_tokens_expiry ON initial_access_tokens(expires_at);

-- Operator-defined claims and scopes. A claim takes its value from a key of users.attributes; a
-- scope releases claims, each optionally limited to listed values (a role decision: scope `admin`
-- releases `roles` holding only the roles it lists that the user has).
ALTER TABLE users ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';   -- JSON object: department, roles...
CREATE TABLE custom_claims (
  name TEXT PRIMARY KEY,                  -- collision-resistant (a URL or namespaced) or a non-standard name
  attribute TEXT NOT NULL,                -- the key of users.attributes it is read from
  description TEXT,
  created_at INTEGER NOT NULL
);
-- Per-client custom claims: released to that client whenever openid is granted, without a scope.
ALTER TABLE clients ADD COLUMN custom_claims TEXT;                    -- JSON [{"name", "values"?}]
CREATE TABLE custom_scopes (
  name TEXT PRIMARY KEY,
  description TEXT,                       -- shown on the consent page
  claims TEXT NOT NULL,                   -- JSON [{"name": claim, "values"?: [allowed values]}]
  created_at INTEGER NOT NULL
);
