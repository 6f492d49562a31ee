import { customClaimsForUser } from '../claims/release';
import { lifetimes } from '../config';
import type { Bindings } from '../env';
import { signingKey } from '../keys/keystore';
import { keyPolicy } from '../keys/policy_config';
import type { Client } from '../storage/clients';
import type { IdTokenClaimsPolicy } from '../clients/model';
import { settings } from '../settings';
import { signAccessToken } from '../tokens/access_token';
import { signIdToken } from '../tokens/id_token';
import { subjectFor } from '../tokens/subject';
import type { TokenResponse } from './token_response';
import type { Api } from '../storage/apis';

export interface UserTokenInput {
  env: Bindings;
  issuer: string;
  client: Client;
  /** The user's id; the `sub` issued is derived from it per the client's subject type. */
  subject: string;
  grantId: string;
  /** The scope of these tokens (may be narrower than the grant's). */
  scope: string;
  authTime: number;
  sid: string | null;
  amr: string[];
  nonce?: string;
  issuedAt: number;
  /** A fixed jti, for a refresh retried within the reuse interval. */
  accessTokenJti?: string;
  refreshToken?: string;
  /**
   * OIDC Core §5.4: the standard claims of the granted scopes (without sub), from the user row the
   * caller already read. The ID token carries them when no access token is issued with it, or when
   * the client's id_token_claims policy is `scope` (issue 13).
   */
  scopeClaims?: Record<string, unknown>;
  /** Extra ID token claims: those asked for with the claims parameter, and the acr (issue 5). */
  idTokenClaims?: Record<string, unknown>;
  /** What to issue; both by default (token endpoint). The authorization endpoint issues what the response type names. */
  issue?: { accessToken: boolean; idToken: boolean };
  /** OIDC Core §3.3.2.11: the code issued in the same authorization response (c_hash). */
  code?: string;
  /** RFC 9449: bind the access token to this DPoP key. */
  dpopJkt?: string;
  /**
   * RFC 8707 (issue 13): the API the access token is for (aud = its identifier, its lifetime and
   * algorithm) and the token's scopes, only that API's (grants/resource.ts selectApi).
   */
  api?: { api: Api; scopes: string[] } | null;
}

/** Issue 13: the client's id_token_claims, else the deployment's ID_TOKEN_CLAIMS. */
export const idTokenClaimsPolicy = (env: Bindings, client: Pick<Client, 'idTokenClaims'>): IdTokenClaimsPolicy => client.idTokenClaims ?? settings(env).idTokenClaims;

/** Whether the ID token carries the granted scopes' claims: always without an access token (OIDC Core §5.4), else by policy. */
export const scopeClaimsInIdToken = (env: Bindings, client: Pick<Client, 'idTokenClaims'>, withAccessToken: boolean): boolean =>
  !withAccessToken || idTokenClaimsPolicy(env, client) === 'scope';

/**
 * The token response for a user's grant: an RFC 9068 access token signed with the default
 * algorithm, and (when `openid` is in scope) an ID token signed with the client's algorithm.
 */
export async function issueUserTokens(i: Omit<UserTokenInput, 'issue'>): Promise<TokenResponse> {
  // Both tokens are issued (issue defaults to both): the full token response.
  return (await mintUserTokens(i)) as TokenResponse;
}

/** The tokens `i.issue` names (the authorization endpoint's share of them, OIDC Core §3.2.2.5 / §3.3.2.5). */
export async function mintUserTokens(i: UserTokenInput): Promise<Partial<TokenResponse>> {
  const ttl = lifetimes(i.env, i.client);
  const policy = keyPolicy(i.env);
  const scopes = i.scope.split(' ');
  // OIDC Core §8: pairwise clients get their sector's sub, in the ID token and the access token alike.
  const subject = await subjectFor(i.env, i.client, i.subject);
  const issue = i.issue ?? { accessToken: true, idToken: true };
  const api = i.api?.api;
  const accessScope = i.api ? i.api.scopes.join(' ') : i.scope;
  const accessTtl = api?.accessTokenTtl ?? ttl.accessToken;
  const accessToken = issue.accessToken
    ? await signAccessToken(
        {
          issuer: i.issuer,
          subject,
          clientId: i.client.id,
          scope: accessScope,
          grantId: i.grantId,
          authTime: i.authTime,
          issuedAt: i.issuedAt,
          lifetime: accessTtl,
          jti: i.accessTokenJti,
          dpopJkt: i.dpopJkt,
          audience: api?.identifier,
        },
        await signingKey(i.env, api?.signingAlg ?? policy.defaultAlg),
      )
    : undefined;
  // RFC 6749 §5.1: scope is the access token's (with an API, only its scopes).
  const response: Partial<TokenResponse> = accessToken ? { access_token: accessToken, token_type: i.dpopJkt ? 'DPoP' : 'Bearer', expires_in: accessTtl, scope: accessScope } : {};
  if (issue.idToken && scopes.includes('openid')) {
    response.id_token = await signIdToken(
      {
        issuer: i.issuer,
        subject,
        clientId: i.client.id,
        authTime: i.authTime,
        sid: i.sid ?? undefined,
        amr: i.amr,
        nonce: i.nonce,
        accessToken,
        code: i.code,
        // Claims the request asked for (OIDC Core §5.5) and acr, then the operator's claims that the
        // granted scopes release (roles, department...).
        claims: {
          ...(i.scopeClaims && scopeClaimsInIdToken(i.env, i.client, accessToken !== undefined) ? i.scopeClaims : {}),
          ...i.idTokenClaims,
          ...(await customClaimsForUser(i.env, i.subject, scopes, i.client.customClaims)),
        },
        issuedAt: i.issuedAt,
        lifetime: ttl.idToken,
      },
      // OIDC Registration §2: the client's id_token_signed_response_alg, else the server default.
      await signingKey(i.env, i.client.idTokenAlg ?? policy.defaultAlg),
    );
  }
  if (i.refreshToken) response.refresh_token = i.refreshToken;
  return response;
}
