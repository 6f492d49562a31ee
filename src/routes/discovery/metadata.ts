import { ASSERTION_SIGNING_ALGS, SECRET_ASSERTION_ALGS } from '../../authn/client_assertion';
import { SUPPORTED_AUTH_METHODS } from '../../authn/client_auth';
import { DPOP_SIGNING_ALGS } from '../../authn/dpop';
import { acrValuesSupported } from '../../authorize/check_claims';
import { supportedPrompts } from '../../authorize/check_prompt';
import { SUPPORTED_RESPONSE_MODES } from '../../authorize/response_mode';
import { RESPONSE_TYPES } from '../../authorize/response_type';
import { REQUEST_OBJECT_SIGNING_ALGS, UNSIGNED_REQUEST_OBJECT_ALG } from '../../authorize/request_object';
import { OFFLINE_ACCESS, STANDARD_SCOPES } from '../../config';
import { SUPPORTED_LOCALES } from '../../messages';
import { SUPPORTED_CLAIMS } from '../../tokens/claims';

/**
 * OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 provider metadata. Every value is true of this
 * server: it advertises only what this server actually does.
 */
export function providerMetadata(issuer: string, signingAlgs: string[], options: { signupEnabled?: boolean; passkeysEnabled?: boolean; requirePar?: boolean; requestObjectNone?: boolean } = {}) {
  const clientAuth = {
    methods: SUPPORTED_AUTH_METHODS,
    algs: [...ASSERTION_SIGNING_ALGS, ...SECRET_ASSERTION_ALGS],
  };
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    scopes_supported: [...STANDARD_SCOPES, OFFLINE_ACCESS],
    // OIDC Core §3, Multiple Response Types §3-§5: every type a client may register (`token` alone only where one registered it).
    response_types_supported: [...RESPONSE_TYPES],
    response_modes_supported: SUPPORTED_RESPONSE_MODES,
    grant_types_supported: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
    // OIDC Core §8: clients register subject_type pairwise to get per-sector sub values.
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: signingAlgs,
    // Registration 1.0 §2: clients may register userinfo_signed_response_alg for a signed UserInfo response.
    userinfo_signing_alg_values_supported: signingAlgs,
    token_endpoint_auth_methods_supported: clientAuth.methods,
    token_endpoint_auth_signing_alg_values_supported: clientAuth.algs,
    revocation_endpoint_auth_methods_supported: clientAuth.methods,
    revocation_endpoint_auth_signing_alg_values_supported: clientAuth.algs,
    introspection_endpoint_auth_methods_supported: clientAuth.methods,
    introspection_endpoint_auth_signing_alg_values_supported: clientAuth.algs,
    code_challenge_methods_supported: ['S256'],
    claims_supported: SUPPORTED_CLAIMS,
    claim_types_supported: ['normal'],
    prompt_values_supported: supportedPrompts(options.signupEnabled ?? true),
    display_values_supported: ['page', 'popup', 'touch'],
    ui_locales_supported: SUPPORTED_LOCALES,
    claims_parameter_supported: true,
    acr_values_supported: acrValuesSupported(options.passkeysEnabled ?? true),
    // RP-Initiated Logout 1.0 §2.1, Front-Channel Logout 1.0 §3, Back-Channel Logout 1.0 §2.1.
    end_session_endpoint: `${issuer}/logout`,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    // OIDC Core §6.1 / RFC 9101: signed request objects by value (and inside PAR); never encrypted.
    // Unsigned ones (none) only with REQUEST_OBJECT_NONE=on, for clients that registered none.
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: options.requestObjectNone ? [...REQUEST_OBJECT_SIGNING_ALGS, UNSIGNED_REQUEST_OBJECT_ALG] : REQUEST_OBJECT_SIGNING_ALGS,
    // OIDC Core §6.2 / RFC 9101 §5.2: by reference too, from the https URIs the client registered (request_uris).
    request_uri_parameter_supported: true,
    require_request_uri_registration: true,
    // RFC 9126 §5: pushed authorization requests, required of every client with REQUIRE_PAR=on.
    pushed_authorization_request_endpoint: `${issuer}/par`,
    require_pushed_authorization_requests: options.requirePar ?? false,
    // RFC 9449 §5.1: DPoP proofs accepted at the token, PAR, userinfo and introspection endpoints.
    dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS,
    // RFC 9207 §3: we always send `iss` in authorization responses.
    authorization_response_iss_parameter_supported: true,
    // JARM §4: the algorithms of signed authorization responses (never encrypted).
    authorization_signing_alg_values_supported: signingAlgs,
  };
}
