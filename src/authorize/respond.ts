import type { Context } from 'hono';
import { lifetimes, now } from '../config';
import { sha256Base64url } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { Bindings } from '../env';
import type { OAuthError } from '../errors';
import { sanitizeDescription } from '../errors';
import type { CodeRecord } from '../grants/code_record';
import { SessionClientRepository } from '../storage/session_clients';
import type { Session } from '../storage/sessions';
import { AccessDenied, InvalidRequestUri } from '../errors';
import { mintUserTokens } from '../grants/issue_tokens';
import { apiFor } from '../grants/resource';
import type { Client } from '../storage/clients';
import { GrantRepository, type NewGrant } from '../storage/grants';
import { PushedRequestRepository, isConsumedError } from '../storage/pushed_requests';
import { UserRepository } from '../storage/users';
import { claimsForScopes, withoutSub } from '../tokens/claims';
import { requestedUserClaims } from '../tokens/claims_request';
import { jarmTarget, type JarmClient } from './jarm';
import type { AuthorizationRequest } from './request';
import type { AuthorizationResponse, ResponseMode } from './response_mode';
import { returnsAccessToken, returnsCode, returnsIdToken, returnsTokens } from './response_type';

/**
 * Appends response parameters to the redirect_uri. RFC 6749 §3.1.2: the registered URI's own
 * query component MUST be retained, so it is kept byte for byte and ours are added after it.
 */
export function withResponseParams(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
  if (query.size === 0) return redirectUri;
  const separator = redirectUri.includes('?') ? (redirectUri.endsWith('?') || redirectUri.endsWith('&') ? '' : '&') : '?';
  return `${redirectUri}${separator}${query.toString()}`;
}

/** Redirects through the context, so cookies set on it earlier in the request are kept. */
export function redirect(c: Context, location: string, status: 302 | 303 = 302): Response {
  c.header('Cache-Control', 'no-store');
  return c.redirect(location, status);
}

/**
 * OIDC Core §3.1.2.6 error response, with `iss` (RFC 9207 §2) and the client's state, delivered in
 * the request's response mode (Multiple Response Types §5: errors travel as successes would; JARM
 * §2.2: in a JARM mode the error is in the response JWT too).
 */
export function errorResponse(target: { redirectUri: string; state?: string; responseMode: ResponseMode }, issuer: string, error: OAuthError, client: JarmClient): AuthorizationResponse {
  return {
    redirectUri: target.redirectUri,
    mode: target.responseMode,
    params: { error: error.error, error_description: sanitizeDescription(error.description), state: target.state, iss: issuer },
    jarm: jarmTarget(target.responseMode, client),
  };
}

/**
 * The successful response to an approved request: what its response type names (OIDC Core §3.1.2.5,
 * §3.2.2.5, §3.3.2.5). A code is a single-use `<durable object id>.<256-bit secret>`: the id routes
 * redemption to the one object that holds the record, and only the secret's hash is stored there.
 * An access token from this endpoint has a grant of its own (no refresh token, RFC 6749 §4.2.2),
 * so revocation and userinfo treat it like any other. The independent writes run in parallel.
 */
export interface IssueOptions {
  /** Other writes of the step, prepared on `db`: one batch with the session_clients record. */
  alsoWrite?: D1PreparedStatement[];
  /** Where the batch runs (a page's D1 session, for its bookmark); env.DB otherwise. */
  db?: D1Database;
}

export async function issueAuthorizationResponse(
  env: Bindings,
  client: Client,
  request: AuthorizationRequest,
  session: Session,
  issuer: string,
  opts: IssueOptions = {},
): Promise<AuthorizationResponse> {
  const issuedAt = now();
  const type = request.responseType;
  const db = opts.db ?? env.DB;
  // One round trip for the writes: the code goes to its Durable Object while ONE D1 batch records
  // the relying party on the session (the one to notify at logout), the other writes of the step
  // (`alsoWrite`, e.g. the consent given on this page) and the grant of an access token issued here.
  // If either fails the request fails (503) and may be retried: an unused code expires, the
  // batch's upserts are idempotent.
  // A pushed request is used up by the same batch, first: if another authorization already used it,
  // the batch fails and writes nothing (RFC 9126 §4: single use), and the request is refused.
  const consume = request.pushedId ? new PushedRequestRepository(db).consumeStatements(request.pushedId) : [];
  const statements: D1PreparedStatement[] = [...consume, ...(opts.alsoWrite ?? []), new SessionClientRepository(db).recordStatement(session.sid, request.clientId, issuedAt)];
  const writes: Promise<unknown>[] = [];
  let code: string | undefined;
  if (returnsCode(type)) {
    const secret = randomToken(32);
    const record: CodeRecord = {
      secretHash: await sha256Base64url(secret),
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      userId: session.userId,
      sid: session.sid,
      scope: request.scopes.join(' '),
      authTime: session.authTime,
      amr: session.amr,
      nonce: request.nonce,
      acr: request.acr,
      claims: request.claims ? JSON.stringify(request.claims) : undefined,
      codeChallenge: request.codeChallenge,
      dpopJkt: request.dpopJkt,
      resource: request.resource,
      issuedAt,
      // A profile may shorten the code's life (FAPI 2.0: at most 60 s).
      expiresAt: issuedAt + Math.min(lifetimes(env).code, request.codeTtl ?? Infinity),
    };
    const id = env.AUTH_CODES.newUniqueId();
    writes.push(env.AUTH_CODES.get(id).store(record));
    code = `${id.toString()}.${secret}`;
  }
  const params: Record<string, string | undefined> = { code };
  if (returnsTokens(type)) {
    const grantId = randomToken(16);
    const withAccessToken = returnsAccessToken(type);
    const scope = request.scopes.join(' ');
    // RFC 8707: the API named at /authorize (validated by check_resource.ts) gets the access token.
    const selected = withAccessToken ? await apiFor(env, request.resource, request.scopes) : null;
    if (withAccessToken) {
      const grant: NewGrant = {
        id: grantId,
        clientId: client.id,
        userId: session.userId,
        sid: session.sid,
        scope,
        authTime: session.authTime,
        amr: session.amr,
        createdAt: issuedAt,
        expiresAt: issuedAt + (selected?.api?.accessTokenTtl ?? lifetimes(env, client).accessToken),
        resource: request.resource ?? null,
      };
      const userinfoClaims = request.claims?.userinfo ? JSON.stringify(request.claims.userinfo) : null;
      statements.push(new GrantRepository(db).insertStatement(grant, userinfoClaims));
    }
    const user = returnsIdToken(type) ? await new UserRepository(env.DB).find(session.userId) : null;
    if (returnsIdToken(type) && !user) throw new AccessDenied('the signed-in user no longer exists');
    const idTokenClaims: Record<string, unknown> = {
      ...(user ? requestedUserClaims(user, request.claims?.id_token) : {}),
      ...(request.acr ? { acr: request.acr } : {}),
    };
    const tokens = await mintUserTokens({
      env,
      issuer,
      client,
      subject: session.userId,
      grantId,
      scope,
      authTime: session.authTime,
      sid: session.sid,
      amr: session.amr,
      nonce: request.nonce,
      issuedAt,
      // OIDC Core §5.4: the scopes' claims, always without an access token, else by the client's id_token_claims.
      scopeClaims: user ? withoutSub(claimsForScopes(user, request.scopes)) : undefined,
      idTokenClaims,
      api: selected?.api ? { api: selected.api, scopes: selected.scopes } : null,
      issue: { accessToken: withAccessToken, idToken: returnsIdToken(type) },
      code,
    });
    Object.assign(params, {
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      expires_in: tokens.expires_in === undefined ? undefined : String(tokens.expires_in),
      // RFC 6749 §4.2.2: scope is returned when it differs from the request's; always sending it is allowed.
      scope: tokens.access_token ? tokens.scope : undefined,
      id_token: tokens.id_token,
    });
  }
  await Promise.all([
    ...writes,
    db.batch(statements).catch((err: unknown) => {
      if (request.pushedId && isConsumedError(err)) throw new InvalidRequestUri('request_uri is unknown, expired or already used');
      throw err;
    }),
  ]);
  return { redirectUri: request.redirectUri, mode: request.responseMode, params: { ...params, state: request.state, iss: issuer }, jarm: jarmTarget(request.responseMode, client) };
}

