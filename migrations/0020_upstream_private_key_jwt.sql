-- Client authentication towards an upstream provider (issue 11): the client secret, or
-- private_key_jwt (RFC 7523 §2.2, OIDC Core §9) with a key pair the OP holds for that upstream.
-- client_secret_basic also falls back to client_secret_post when the upstream supports only that.
ALTER TABLE upstreams ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'client_secret_basic'; -- client_secret_basic | client_secret_post | private_key_jwt
-- private_key_jwt only: JSON {"kid","alg","public_jwk","private_key":{"iv","data"}}; the private JWK sealed
-- (AES-256-GCM under KEY_ENCRYPTION_KEY, the kid as additional data) like the signing keys. The public
-- key is what /upstream/<slug>/jwks publishes. client_secret_sealed is '' for these upstreams.
ALTER TABLE upstreams ADD COLUMN signing_key TEXT;
