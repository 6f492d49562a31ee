-- OIDC Dynamic Registration §2: the JWS alg the client wants its ID tokens signed with.
-- NULL means the server's default (ID_TOKEN_SIGNING_ALG, RS256 unless configured).
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT;
