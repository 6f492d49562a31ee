-- Issue 13: the response types a client registered (Registration 1.0 §2), as a JSON array of
-- normalised values ("code id_token"...). NULL: the types its grant types imply (code with authorization_code).
ALTER TABLE clients ADD COLUMN response_types TEXT;
