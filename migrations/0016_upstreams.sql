-- Upstream OpenID providers (issue 11): the OP as an SSO broker.
-- One row per upstream provider the sign-in page offers. The client secret is sealed (AES-256-GCM,
-- key HKDF-derived from KEY_ENCRYPTION_KEY, the slug as additional data): never stored in clear.
CREATE TABLE upstreams (
  slug TEXT PRIMARY KEY,                  -- short name in URLs: /upstream/<slug>/callback, idp_hint=<slug>
  name TEXT NOT NULL,                     -- "Continue with <name>"
  issuer TEXT NOT NULL,                   -- the upstream's issuer identifier (discovery is fetched from it)
  client_id TEXT NOT NULL,
  client_secret_sealed TEXT NOT NULL,
  scopes TEXT NOT NULL,                   -- space-separated, `openid` always among them
  claim_mapping TEXT NOT NULL,            -- JSON {"<local claim>": "<upstream claim>"}
  link_by_email INTEGER NOT NULL DEFAULT 0,
  end_session INTEGER NOT NULL DEFAULT 0, -- RP-initiated logout also ends the upstream session
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Which local user an upstream account signs in as: (upstream, upstream sub) -> user, unique.
CREATE TABLE upstream_links (
  upstream TEXT NOT NULL REFERENCES upstreams(slug) ON DELETE CASCADE,
  subject TEXT NOT NULL,                  -- the upstream's `sub`
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  PRIMARY KEY (upstream, subject)
);
CREATE INDEX upstream_links_user ON upstream_links (user_id);

-- Local sessions started through an upstream: what a back-channel logout token from it names
-- (its `sub` and `sid`) and what RP-initiated logout sends back to it (`id_token_hint`).
CREATE TABLE upstream_sessions (
  sid TEXT PRIMARY KEY REFERENCES sessions(sid) ON DELETE CASCADE,
  upstream TEXT NOT NULL REFERENCES upstreams(slug) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  upstream_sid TEXT,
  id_token TEXT NOT NULL,                 -- the upstream's ID token when end_session is on (id_token_hint), else ''
  expires_at INTEGER NOT NULL
);
CREATE INDEX upstream_sessions_subject ON upstream_sessions (upstream, subject);
CREATE INDEX upstream_sessions_sid ON upstream_sessions (upstream, upstream_sid);
