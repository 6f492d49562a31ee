-- Issue 14: pushed authorization requests (RFC 9126) and the per-client flag that requires them.
-- A pushed request is single use: /authorize takes it with DELETE ... RETURNING, so of two
-- concurrent uses of one request_uri exactly one gets the parameters.
CREATE TABLE pushed_requests (
  id TEXT PRIMARY KEY,                    -- SHA-256 (base64url) of the request_uri's random part
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  params TEXT NOT NULL,                   -- the pushed parameters, JSON [[name, value], ...]
  expires_at INTEGER NOT NULL
);
CREATE INDEX pushed_requests_expires ON pushed_requests(expires_at);
CREATE INDEX pushed_requests_client ON pushed_requests(client_id);
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests INTEGER NOT NULL DEFAULT 0;
