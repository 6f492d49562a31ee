import type { Bindings } from '../env';
import type { Params } from '../http/params';
import type { ClaimsRequest } from '../tokens/claims_request';
import type { Client } from '../storage/clients';
import type { ResponseMode } from './response_mode';
import type { ResponseType } from './response_type';

/** A validated authorization request (OIDC Core §3.1.2.1), as parked in an interaction. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  responseType: ResponseType;
  responseMode: ResponseMode;
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
  /** OIDC Core §5.5: the parsed claims request parameter. */
  claims?: ClaimsRequest;
  /** The `acr` the ID token will carry (the value we satisfy among those asked for, or our default). */
  acr?: string;
  /** From a verified id_token_hint: the user (and session) the client expects. */
  idTokenHintSub?: string;
  /** RFC 9449 §10: the DPoP key thumbprint the code will be bound to. */
  dpopJkt?: string;
  /** RFC 8707: the API (its identifier) the access tokens are for. */
  resource?: string;
  /** A shorter code lifetime than the deployment's (FAPI 2.0 clients: at most 60 s). */
  codeTtl?: number;
  /** RFC 9126: the pushed request this came from, used up when its response is issued (par.ts). */
  pushedId?: string;
}

/** What the checks share: the raw parameters, the client once known, and the request being built. */
export interface AuthorizeContext {
  params: Params;
  client?: Client;
  redirectUri?: string;
  state?: string;
  request: Partial<AuthorizationRequest>;
  /** Deployment settings the checks need (self-service sign-up for prompt=create). */
  signupEnabled?: boolean;
  /** For the asynchronous checks (id_token_hint verification). */
  env?: Bindings;
  issuer?: string;
  /** The parameters came through the pushed authorization request endpoint (RFC 9126). */
  pushed?: boolean;
  /** REQUIRE_PAR=on: every client must push its requests. */
  requireParEverywhere?: boolean;
}

export type AuthorizeCheck = (ctx: AuthorizeContext) => void;
