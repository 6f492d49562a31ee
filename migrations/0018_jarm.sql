-- Issue 14 remainder. JARM (JWT Secured Authorization Response Mode): the algorithm the client's
-- authorization responses are signed with (NULL: RS256, JARM §3).
ALTER TABLE clients ADD COLUMN authorization_signed_response_alg TEXT;
-- OIDC Core §6.2 / RFC 9101 §5.2: the https request_uri values the client pre-registered, JSON
-- array (NULL: none; a request_uri outside PAR is then refused).
ALTER TABLE clients ADD COLUMN request_uris TEXT;
