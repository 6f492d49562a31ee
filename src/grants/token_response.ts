/** RFC 6749 §5.1 successful token response, plus OIDC Core §3.1.3.3's id_token. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope: string;
}
