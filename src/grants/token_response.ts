/** RFC 6749 §5.1 successful token response, plus OIDC Core §3.1.3.3's id_token. */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: DPoP for a token bound to the proof's key. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope: string;
}

/** What the token endpoint passes every grant besides the client and the form. */
export interface GrantOptions {
  /** RFC 9449: the thumbprint of the request's verified DPoP proof key; tokens get bound to it. */
  dpopJkt?: string;
}
