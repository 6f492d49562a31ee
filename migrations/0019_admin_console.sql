-- Issue 15: operators of the admin console (/admin/console) and disabled accounts.
-- role: NULL (no role) or 'admin' (may sign in to the admin console); set by
--   `npm run admin -- users update USER_ID --role admin` (PATCH /admin/users/:id {"role": ...}).
-- disabled_at: when an operator disabled the account (sign-in refused, sessions ended, grants revoked); NULL = enabled.
ALTER TABLE users ADD COLUMN role TEXT CHECK (role IS NULL OR role IN ('admin'));
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
