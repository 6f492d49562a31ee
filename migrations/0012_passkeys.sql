-- Issue 12: passkeys (WebAuthn Level 3). One row per registered credential of a user.
CREATE TABLE passkeys (
  id TEXT PRIMARY KEY,                    -- the credential ID (base64url), as the authenticator returns it
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  user_handle TEXT NOT NULL,              -- the WebAuthn user.id given at registration (base64url, random, not the sub)
  public_key TEXT NOT NULL,               -- COSE public key (base64url), as verified by @simplewebauthn/server
  counter INTEGER NOT NULL DEFAULT 0,     -- last signature counter seen (0 = the authenticator keeps none)
  transports TEXT NOT NULL DEFAULT '[]',  -- JSON array of AuthenticatorTransport hints
  device_type TEXT NOT NULL,              -- 'singleDevice' | 'multiDevice' (backup eligible)
  backed_up INTEGER NOT NULL DEFAULT 0,   -- BS flag at the last use
  name TEXT NOT NULL,                     -- the user's name for it
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  suspected_clone_at INTEGER              -- set when a signature counter went backwards; such a passkey is refused
);
CREATE INDEX passkeys_user ON passkeys(user_id);

-- Single-use WebAuthn challenges, bound to what they were issued for (an interaction or a session).
-- Consumed by DELETE ... RETURNING, so two requests can never both use one.
CREATE TABLE webauthn_challenges (
  challenge TEXT PRIMARY KEY,             -- base64url of 32 random bytes
  binding TEXT NOT NULL,                  -- 'interaction:<id>' or 'session:<sid>'
  purpose TEXT NOT NULL,                  -- 'register' | 'authenticate'
  user_id TEXT,                           -- the user being registered (register), NULL for discoverable sign-in
  user_handle TEXT,                       -- the WebAuthn user.id offered at registration
  user_verification TEXT NOT NULL,        -- 'preferred' | 'required'
  expires_at INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);

-- A passkey-only account has no password: password_hash is '' (never matches; see crypto/password).
-- "Add a passkey?" after a password sign-in is not asked again before this time.
ALTER TABLE users ADD COLUMN passkey_prompt_after INTEGER;
