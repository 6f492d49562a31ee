-- Core schema: clients, users, sessions, consents, grants and pending interactions.
-- Every timestamp is seconds since the epoch (UTC).

CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  secret_hash TEXT,                       -- "sha256$<salt>$<hash>" of the client secret; NULL for public clients
  name TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,            -- JSON array, matched by exact string comparison
  token_endpoint_auth_method TEXT NOT NULL,
  first_party INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,                    -- the stable, opaque `sub`
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  email TEXT UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,            -- "pbkdf2-sha256$<iterations>$<salt>$<hash>"
  claims TEXT NOT NULL DEFAULT '{}',      -- JSON object of OIDC standard claims
  updated_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,               -- SHA-256 of the cookie value; the cookie itself is never stored
  sid TEXT NOT NULL UNIQUE,               -- public session id, the `sid` claim
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  auth_time INTEGER NOT NULL,
  amr TEXT NOT NULL DEFAULT '["pwd"]',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE consents (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,                   -- space-separated, sorted
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, client_id)
);

CREATE TABLE grants (
  id TEXT PRIMARY KEY,                    -- carried in tokens as `gid`; revoking the row revokes its tokens
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sid TEXT,
  scope TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX grants_expiry ON grants(expires_at);

CREATE TABLE interactions (
  id TEXT PRIMARY KEY,                    -- random; kept in the interaction cookie and forms
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  params TEXT NOT NULL,                   -- JSON of the validated authorization request
  csrf_hash TEXT NOT NULL,
  user_id TEXT,                           -- set once the user has authenticated in this interaction
  authenticated_at INTEGER,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX interactions_expiry ON interactions(expires_at);
