import type { Params } from '../http/params';
import type { Client } from '../storage/clients';

/** A validated authorization request (OIDC Core §3.1.2.1), as parked in an interaction. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  responseType: 'code';
  responseMode: 'query';
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256';
  prompt: string[];
  maxAge?: number;
  loginHint?: string;
  display?: string;
  uiLocales?: string;
  claimsLocales?: string;
  acrValues?: string;
}

/** What the checks share: the raw parameters, the client once known, and the request being built. */
export interface AuthorizeContext {
  params: Params;
  client?: Client;
  redirectUri?: string;
  state?: string;
  request: Partial<AuthorizationRequest>;
}

export type AuthorizeCheck = (ctx: AuthorizeContext) => void;
