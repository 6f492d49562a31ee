-- Issue 9: the account chooser no longer trusts a browser id. A browser proves it holds a session by
-- presenting that session's secret (its cookie value, whose SHA-256 is sessions.id_hash), so the
-- browser tag is gone.
DROP INDEX IF EXISTS sessions_browser;
ALTER TABLE sessions DROP COLUMN browser_hash;
