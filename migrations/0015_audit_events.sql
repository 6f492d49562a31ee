-- Audit trail (issue 15): every admin change and security event, append-only.
-- `details` is a small JSON object that never holds a secret (src/audit/record.ts redacts).
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  ip TEXT,
  request_id TEXT,
  subject TEXT,
  outcome TEXT NOT NULL,
  details TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_type ON audit_events (type, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_subject ON audit_events (subject, id);

-- Append-only: no row changes, and only rows older than a day can go (the retention purge,
-- AUDIT_RETENTION_DAYS >= 1).
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_recent_delete BEFORE DELETE ON audit_events
WHEN OLD.at > unixepoch() - 86400
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
