/**
 * OAuth 2.0 / OpenID Connect errors, one class per error code the spec defines.
 * RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E, so it can never
 * carry a double quote or a backslash; `sanitizeDescription` enforces that for every message.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: number = 400,
  ) {
    super(description);
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: sanitizeDescription(this.description) };
  }
}

export function sanitizeDescription(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'").replace(/"/g, "'");
}

const define = (code: string, status = 400) =>
  class extends OAuthError {
    constructor(description: string) {
      super(code, description, status);
    }
  };

export const InvalidRequest = define('invalid_request');
export const InvalidClient = define('invalid_client', 401);
export const InvalidGrant = define('invalid_grant');
export const UnauthorizedClient = define('unauthorized_client');
export const UnsupportedGrantType = define('unsupported_grant_type');
export const UnsupportedResponseType = define('unsupported_response_type');
export const InvalidScope = define('invalid_scope');
export const AccessDenied = define('access_denied', 403);
export const ServerError = define('server_error', 500);
export const TemporarilyUnavailable = define('temporarily_unavailable', 503);
export const LoginRequired = define('login_required');
export const ConsentRequired = define('consent_required');
export const InteractionRequired = define('interaction_required');
export const RequestNotSupported = define('request_not_supported');
export const RequestUriNotSupported = define('request_uri_not_supported');
/** RFC 9449 §5 and §7.1: a DPoP proof that is missing, malformed, replayed or for another request. */
export const InvalidDpopProof = define('invalid_dpop_proof');
/** RFC 9449 §8: the proof must carry the server's current nonce (sent in the DPoP-Nonce header). */
export const UseDpopNonce = define('use_dpop_nonce');
/** RFC 9101 §7 / OIDC Core §3.1.2.6: a request_uri that is unknown, expired, used or not the client's. */
export const InvalidRequestUri = define('invalid_request_uri');
/** RFC 9101 §7 / OIDC Core §3.1.2.6: a request object that is malformed, wrongly signed or out of date. */
export const InvalidRequestObject = define('invalid_request_object');
/** RFC 8707 §2: a resource that is invalid, unknown or malformed, or scopes that span resources without one. */
export const InvalidTarget = define('invalid_target');
export const InvalidToken = define('invalid_token', 401);
export const InsufficientScope = define('insufficient_scope', 403);
/** RFC 7591 §3.2.2: errors of the registration endpoint. */
export const InvalidClientMetadata = define('invalid_client_metadata');
export const InvalidRedirectUri = define('invalid_redirect_uri');
export const UnapprovedSoftwareStatement = define('unapproved_software_statement');

/** A request whose client_id or redirect_uri cannot be trusted: shown as a page, never redirected. */
export class UntrustedRedirectError extends Error {
  constructor(
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}
