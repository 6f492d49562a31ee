-- Issue 10: every query on a hot path or in a purge uses an index
-- (test/workerd/storage/query_plans.test.ts runs EXPLAIN QUERY PLAN on every statement).

-- Logout revokes a session's grants; deleting a user or a client cascades to its grants.
CREATE INDEX IF NOT EXISTS grants_sid ON grants(sid);
CREATE INDEX IF NOT EXISTS grants_user_client ON grants(user_id, client_id);
CREATE INDEX IF NOT EXISTS grants_client ON grants(client_id);

-- Deleting a client cascades to its consents, session list entries and interactions
-- (the primary keys (user_id, client_id) and (sid, client_id) do not serve a lookup by client).
CREATE INDEX IF NOT EXISTS consents_client ON consents(client_id);
CREATE INDEX IF NOT EXISTS session_clients_client ON session_clients(client_id);
CREATE INDEX IF NOT EXISTS interactions_client ON interactions(client_id);

-- CORS origins of public clients (src/http/cors.ts).
CREATE INDEX IF NOT EXISTS clients_auth_method ON clients(token_endpoint_auth_method);

-- Purges: used-up initial access tokens; finished logout deliveries by age.
CREATE INDEX IF NOT EXISTS initial_access_tokens_uses ON initial_access_tokens(uses_left);
CREATE INDEX IF NOT EXISTS logout_deliveries_updated ON logout_deliveries(updated_at);
CREATE INDEX IF NOT EXISTS logout_deliveries_client ON logout_deliveries(client_id, created_at);

-- Dynamically registered clients by age, for the purge of abandoned open registrations
-- (src/jobs/housekeeping.ts).
CREATE INDEX IF NOT EXISTS clients_registered ON clients(created_at) WHERE registration_token_hash IS NOT NULL;

-- A session's list of clients goes with the session, however it goes (logout, expiry purge, a
-- deleted user's cascade), so no sweep over session_clients is needed; then the existing orphans.
CREATE TRIGGER IF NOT EXISTS sessions_forget_clients AFTER DELETE ON sessions
BEGIN
  DELETE FROM session_clients WHERE sid = OLD.sid;
END;
DELETE FROM session_clients WHERE sid NOT IN (SELECT sid FROM sessions);
