-- Issue 5: sessions that know their clients, several accounts per browser, remembered sessions,
-- the claims request parameter, and single logout (RP-initiated, front-channel, back-channel).

-- Which browser a session belongs to: SHA-256 of the op_browser cookie (remembered sessions) or of
-- the op_run cookie (browser-session sessions), so the account chooser lists only this browser's.
ALTER TABLE sessions ADD COLUMN browser_hash TEXT;
-- 1 when the user ticked "remember me": a persistent cookie; 0: a browser-session cookie.
ALTER TABLE sessions ADD COLUMN remembered INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_browser ON sessions(browser_hash);

-- Every client a session has signed in to (a code was issued): who to notify at logout.
CREATE TABLE session_clients (
  sid TEXT NOT NULL,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (sid, client_id)
);

-- Per-client logout and login-initiation metadata (OIDC RP-Initiated / Front-Channel / Back-Channel
-- Logout 1.0, OIDC Core §4).
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN frontchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN frontchannel_logout_session_required INTEGER NOT NULL DEFAULT 1;
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required INTEGER NOT NULL DEFAULT 1;
ALTER TABLE clients ADD COLUMN initiate_login_uri TEXT;

-- The account chosen on the select_account page of an interaction ('new' = add another account).
ALTER TABLE interactions ADD COLUMN selected TEXT;

-- OIDC Core §5.5: the `userinfo` member of the claims request parameter, kept with the grant.
ALTER TABLE grants ADD COLUMN userinfo_claims TEXT;

-- Back-channel logout deliveries (one row per client per logout), written by the LogoutDelivery
-- Durable Object after every attempt.
CREATE TABLE logout_deliveries (
  id TEXT PRIMARY KEY,                    -- the Durable Object id of the delivery
  client_id TEXT NOT NULL,
  sid TEXT,
  sub TEXT NOT NULL,
  uri TEXT NOT NULL,
  status TEXT NOT NULL,                   -- pending | delivered | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  last_http_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  next_attempt_at INTEGER
);
CREATE INDEX logout_deliveries_created ON logout_deliveries(created_at);
