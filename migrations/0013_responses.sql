-- Issue 13: the response types a client registered (Registration 1.0 §2), as a JSON array of
-- normalised values ("code id_token"...). NULL: the types its grant types imply (code with authorization_code).
ALTER TABLE clients ADD COLUMN response_types TEXT;
-- Issue 13: scopes used when an authorization request names none (RFC 6749 §3.3), as a JSON array;
-- NULL: none (a request without scope is invalid_scope).
ALTER TABLE clients ADD COLUMN default_scope TEXT;
-- Issue 13: when refresh tokens are issued: 'offline_access' (only with that scope granted, OIDC Core §11;
-- NULL means this) or 'always' (to a confidential client for every grant).
ALTER TABLE clients ADD COLUMN refresh_policy TEXT;
