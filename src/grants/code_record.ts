/**
 * The authorization code as stored, and the pure rules for redeeming it. The Durable Object in
 * src/durable/authorization_code_store.ts applies these rules atomically; keeping them here makes
 * them testable without any storage.
 */
export interface CodeRecord {
  /** base64url(SHA-256) of the code's secret half; the code itself is never stored. */
  secretHash: string;
  clientId: string;
  redirectUri: string;
  userId: string;
  sid: string;
  scope: string;
  authTime: number;
  amr: string[];
  nonce?: string;
  /** RFC 7636: the S256 challenge; absent when the client sent none. */
  codeChallenge?: string;
  issuedAt: number;
  expiresAt: number;
  /** OIDC Core §2: the authentication context class satisfied (the ID token's `acr`). */
  acr?: string;
  /** OIDC Core §5.5: the claims request parameter of the authorization request (JSON of a ClaimsRequest). */
  claims?: string;
  /** RFC 9449 §10: the DPoP key (dpop_jkt) the code is bound to; the token request's proof must use it. */
  dpopJkt?: string;
  /** RFC 8707: the API (identifier) named at the authorization endpoint. */
  resource?: string;
  /** Set at the first successful redemption: the grant whose tokens a replay revokes. */
  redeemedGrantId?: string;
}

export interface RedemptionAttempt {
  secretHash: string;
  clientId: string;
  redirectUri: string | undefined;
  /** base64url(SHA-256(code_verifier)), computed by the caller, or undefined when none was sent. */
  verifierChallenge: string | undefined;
  grantId: string;
  now: number;
  /** The thumbprint of the token request's DPoP proof key, if any. */
  dpopJkt?: string;
}

export type Redemption =
  | { outcome: 'issued'; record: CodeRecord }
  | { outcome: 'replayed'; grantId: string; record: CodeRecord }
  | { outcome: 'rejected'; reason: string };

/**
 * Decides a redemption. Checks come before consumption, so a request that fails them does not
 * burn the code (as node-oidc-provider and RFC 6749 §4.1.3 order them); a valid second
 * redemption is a replay (RFC 6749 §4.1.2: the code MUST NOT be used more than once, and
 * tokens issued from it SHOULD be revoked).
 */
export function decideRedemption(record: CodeRecord | undefined, a: RedemptionAttempt): Redemption {
  if (!record || !constantTimeEqual(record.secretHash, a.secretHash)) return { outcome: 'rejected', reason: 'authorization code is invalid' };
  if (record.clientId !== a.clientId) return { outcome: 'rejected', reason: 'authorization code was issued to another client' };
  if (record.expiresAt <= a.now) return { outcome: 'rejected', reason: 'authorization code has expired' };
  if (record.redeemedGrantId) return { outcome: 'replayed', grantId: record.redeemedGrantId, record };
  // RFC 6749 §4.1.3: redirect_uri is REQUIRED here when it was included in the authorization request,
  // and it always is for OpenID Connect (Core §3.1.2.1), so the values must be identical.
  if (a.redirectUri !== record.redirectUri) return { outcome: 'rejected', reason: 'redirect_uri does not match the authorization request' };
  if (record.codeChallenge !== undefined) {
    if (a.verifierChallenge === undefined) return { outcome: 'rejected', reason: 'code_verifier is required' };
    if (!constantTimeEqual(a.verifierChallenge, record.codeChallenge)) return { outcome: 'rejected', reason: 'code_verifier does not match the code_challenge' };
  } else if (a.verifierChallenge !== undefined) {
    // RFC 9700 §4.8.2: a verifier for a code issued without a challenge signals a PKCE downgrade.
    return { outcome: 'rejected', reason: 'code_verifier sent but no code_challenge was in the authorization request' };
  }
  // RFC 9449 §10.1: a code bound with dpop_jkt is redeemed only with a proof of that key.
  if (record.dpopJkt !== undefined && record.dpopJkt !== a.dpopJkt) return { outcome: 'rejected', reason: 'the DPoP proof key does not match the dpop_jkt of the authorization request' };
  return { outcome: 'issued', record };
}

/** Both inputs are fixed-length base64url digests, so a length check leaks nothing secret. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
