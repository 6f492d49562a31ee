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
-- DPoP (RFC 9449): clients whose access tokens must be sender-constrained, and the key a public
-- client's refresh token family is bound to (§5: only the holder of that key may refresh).
-- DPoP proof jtis are recorded in used_assertions under client_id 'dpop:<jkt>' (a unique key).
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refresh_token_families ADD COLUMN dpop_jkt TEXT;
-- Request objects (RFC 9101, OIDC Core §6): the one algorithm the client signs them with.
ALTER TABLE clients ADD COLUMN request_object_signing_alg TEXT;
-- FAPI 2.0 Security Profile per client ('fapi2'), or NULL for the basic OpenID Connect rules.
ALTER TABLE clients ADD COLUMN profile TEXT;
