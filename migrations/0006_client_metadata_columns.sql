-- Issue 16 "one model per concept" and issue 9: every client member the OP stores, echoes or acts
-- on is a column of `clients`, written by one path (src/clients/service.ts) for the admin API, the
-- CLI and dynamic registration. The JSON side blob `clients.metadata` (migration 0005) is moved into
-- these columns and dropped.

ALTER TABLE clients ADD COLUMN application_type TEXT NOT NULL DEFAULT 'web';      -- web | native
ALTER TABLE clients ADD COLUMN token_endpoint_auth_signing_alg TEXT;               -- the only assertion alg accepted
ALTER TABLE clients ADD COLUMN userinfo_signed_response_alg TEXT;                  -- signed UserInfo response
ALTER TABLE clients ADD COLUMN default_max_age INTEGER;                            -- seconds; max_age when a request has none
ALTER TABLE clients ADD COLUMN require_auth_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN default_acr_values TEXT;                            -- JSON array
ALTER TABLE clients ADD COLUMN logo_uri TEXT;
ALTER TABLE clients ADD COLUMN client_uri TEXT;
ALTER TABLE clients ADD COLUMN policy_uri TEXT;
ALTER TABLE clients ADD COLUMN tos_uri TEXT;
ALTER TABLE clients ADD COLUMN localized_metadata TEXT;                            -- JSON {"client_name#fr": ...}
ALTER TABLE clients ADD COLUMN contacts TEXT;                                      -- JSON array
ALTER TABLE clients ADD COLUMN software_id TEXT;
ALTER TABLE clients ADD COLUMN software_version TEXT;
ALTER TABLE clients ADD COLUMN sector_identifier_uri TEXT;

-- Move what registered clients kept in the blob. Logout URIs registered dynamically were only in the
-- blob (never enforced): they now land in the logout columns of migration 0004.
UPDATE clients SET
  application_type = COALESCE(json_extract(metadata, '$.application_type'), 'web'),
  token_endpoint_auth_signing_alg = json_extract(metadata, '$.token_endpoint_auth_signing_alg'),
  userinfo_signed_response_alg = json_extract(metadata, '$.userinfo_signed_response_alg'),
  default_max_age = json_extract(metadata, '$.default_max_age'),
  require_auth_time = COALESCE(json_extract(metadata, '$.require_auth_time'), 0),
  default_acr_values = json_extract(metadata, '$.default_acr_values'),
  logo_uri = json_extract(metadata, '$.logo_uri'),
  client_uri = json_extract(metadata, '$.client_uri'),
  policy_uri = json_extract(metadata, '$.policy_uri'),
  tos_uri = json_extract(metadata, '$.tos_uri'),
  localized_metadata = (SELECT CASE WHEN COUNT(*) = 0 THEN NULL ELSE json_group_object(key, value) END
                        FROM json_each(clients.metadata) WHERE key LIKE '%#%'),
  contacts = json_extract(metadata, '$.contacts'),
  software_id = json_extract(metadata, '$.software_id'),
  software_version = json_extract(metadata, '$.software_version'),
  sector_identifier_uri = json_extract(metadata, '$.sector_identifier_uri'),
  post_logout_redirect_uris = COALESCE(json_extract(metadata, '$.post_logout_redirect_uris'), post_logout_redirect_uris),
  frontchannel_logout_uri = COALESCE(json_extract(metadata, '$.frontchannel_logout_uri'), frontchannel_logout_uri),
  frontchannel_logout_session_required = COALESCE(json_extract(metadata, '$.frontchannel_logout_session_required'), frontchannel_logout_session_required),
  backchannel_logout_uri = COALESCE(json_extract(metadata, '$.backchannel_logout_uri'), backchannel_logout_uri),
  backchannel_logout_session_required = COALESCE(json_extract(metadata, '$.backchannel_logout_session_required'), backchannel_logout_session_required),
  initiate_login_uri = COALESCE(json_extract(metadata, '$.initiate_login_uri'), initiate_login_uri)
WHERE metadata IS NOT NULL AND json_valid(metadata);

ALTER TABLE clients DROP COLUMN metadata;
