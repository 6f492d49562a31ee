-- Issue 10: one row per refresh token family (offline grant), whatever the number of rotations.
-- The token itself names its family and generation under a MAC (src/tokens/refresh_token_format.ts);
-- the row holds the current generation and when the previous one was exchanged (reuse interval).
-- Refresh tokens issued before this migration (one row each in refresh_tokens) stop working: their
-- holders sign in again.
CREATE TABLE refresh_token_families (
  id TEXT PRIMARY KEY,                    -- the family id carried in the token (12 random bytes, base64url)
  grant_id TEXT NOT NULL UNIQUE REFERENCES grants(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  generation INTEGER NOT NULL,            -- generation of the one valid token; earlier ones are replays
  issued_at INTEGER NOT NULL,             -- when the current generation was issued
  expires_at INTEGER NOT NULL,            -- the current token's expiry: the sooner of idle and absolute
  rotated_at INTEGER                      -- when generation - 1 was exchanged (start of the reuse interval)
);
CREATE INDEX refresh_token_families_client ON refresh_token_families(client_id);
DROP TABLE refresh_tokens;
