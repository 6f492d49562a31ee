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
import type { AuthorizationRequest } from './request';

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

/** OIDC Core §3.1.2.6 error response, with `iss` (RFC 9207 §2) and the client's state. */
export function errorLocation(redirectUri: string, state: string | undefined, issuer: string, error: OAuthError): string {
  return withResponseParams(redirectUri, {
    error: error.error,
    error_description: sanitizeDescription(error.description),
    state,
    iss: issuer,
  });
}

/**
 * Issues a single-use authorization code for an approved request; returns where to redirect with it.
 * The code is `<durable object id>.<256-bit secret>`: the id routes redemption to the one object
 * that holds the record, and only the secret's hash is stored there.
 *
 * One round trip: the code goes to its Durable Object while one D1 batch records the relying party
 * on the session (the one to notify at logout) together with `alsoWrite`, the other writes of the
 * step (e.g. the consent given on this page), prepared on `opts.db`. The two are independent: if either fails the request
 * fails (503) and the browser may retry; a stored code that is never handed out expires unused, and
 * the batch's upserts are idempotent.
 */
export interface IssueOptions {
  /** Other writes of the step, prepared on `db`: one batch with the session_clients record. */
  alsoWrite?: D1PreparedStatement[];
  /** Where the batch runs (a page's D1 session, for its bookmark); env.DB otherwise. */
  db?: D1Database;
}

export async function issueCode(env: Bindings, request: AuthorizationRequest, session: Session, issuer: string, opts: IssueOptions = {}): Promise<string> {
  const issuedAt = now();
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
    issuedAt,
    expiresAt: issuedAt + lifetimes(env).code,
  };
  const id = env.AUTH_CODES.newUniqueId();
  const db = opts.db ?? env.DB;
  const writes = [...(opts.alsoWrite ?? []), new SessionClientRepository(db).recordStatement(session.sid, request.clientId, issuedAt)];
  await Promise.all([env.AUTH_CODES.get(id).store(record), db.batch(writes)]);
  return withResponseParams(request.redirectUri, { code: `${id.toString()}.${secret}`, state: request.state, iss: issuer });
}
