/**
 * The algorithms and client authentication methods this OP supports, in one place: discovery
 * advertises them, client validation and registration accept them, the key manager keeps keys for
 * them, and client authentication verifies with them. A base module: it imports nothing.
 */

/**
 * Asymmetric JWS algorithms the OP signs with (ID tokens, UserInfo and logout tokens) and accepts
 * in private_key_jwt client assertions, in the order keys are published. RS256 comes first: OIDC
 * Core §15.1 makes it mandatory to implement.
 */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const isSigningAlg = (v: unknown): v is SigningAlg => (SIGNING_ALGS as readonly unknown[]).includes(v);

/** MAC algorithms accepted in client_secret_jwt assertions (OIDC Core §9). */
export const SECRET_ASSERTION_ALGS = ['HS256'] as const;

/** token_endpoint_auth_method values (OIDC Core §9, RFC 7591 §2), for /token, /revoke and /introspect. */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'] as const;
export type ClientAuthMethodName = (typeof CLIENT_AUTH_METHODS)[number];
