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
 */
export async function issueCode(env: Bindings, request: AuthorizationRequest, session: Session, issuer: string): Promise<string> {
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
    dpopJkt: request.dpopJkt,
    issuedAt,
    expiresAt: issuedAt + Math.min(lifetimes(env).code, request.codeTtl ?? Infinity),
  };
  const id = env.AUTH_CODES.newUniqueId();
  await env.AUTH_CODES.get(id).store(record);
  // The session now has a relying party to notify when it ends (logout).
  await new SessionClientRepository(env.DB).record(session.sid, request.clientId, issuedAt);
  return withResponseParams(request.redirectUri, { code: `${id.toString()}.${secret}`, state: request.state, iss: issuer });
}
