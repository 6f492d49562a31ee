import { InvalidRequest } from '../errors';
import type { User } from '../storage/users';
import { SCOPE_CLAIMS, claimsForScopes } from './claims';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** OIDC Core §5.5.1: `null` (default), or essential and/or a wanted value or values. */
export type ClaimRequest = null | { essential?: boolean; value?: Json; values?: Json[] };
export type ClaimRequests = Record<string, ClaimRequest>;

/** OIDC Core §5.5: the claims request parameter, members for the ID token and for userinfo. */
export interface ClaimsRequest {
  id_token?: ClaimRequests;
  userinfo?: ClaimRequests;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseMember(value: unknown, member: string): ClaimRequests {
  if (!isObject(value)) throw new InvalidRequest(`claims.${member} must be a JSON object`);
  const out: ClaimRequests = {};
  for (const [name, request] of Object.entries(value)) {
    if (request === null) {
      out[name] = null;
      continue;
    }
    if (!isObject(request)) throw new InvalidRequest(`claims.${member}.${name} must be null or a JSON object`);
    const { essential, value: wanted, values } = request;
    if (essential !== undefined && typeof essential !== 'boolean') throw new InvalidRequest(`claims.${member}.${name}.essential must be a boolean`);
    if (values !== undefined && !Array.isArray(values)) throw new InvalidRequest(`claims.${member}.${name}.values must be an array`);
    out[name] = {
      ...(essential !== undefined ? { essential } : {}),
      ...(wanted !== undefined ? { value: wanted as Json } : {}),
      ...(values !== undefined ? { values: values as Json[] } : {}),
    };
  }
  return out;
}

/**
 * Parses the claims parameter (a JSON object). Members other than id_token and userinfo are
 * ignored, as §5.5 asks of unknown members; anything malformed is invalid_request.
 */
export function parseClaimsRequest(raw: string): ClaimsRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidRequest('claims is not valid JSON');
  }
  if (!isObject(parsed)) throw new InvalidRequest('claims must be a JSON object');
  const out: ClaimsRequest = {};
  if (parsed.id_token !== undefined) out.id_token = parseMember(parsed.id_token, 'id_token');
  if (parsed.userinfo !== undefined) out.userinfo = parseMember(parsed.userinfo, 'userinfo');
  return out;
}

/** The scope each user claim belongs to, so that claims asked for one by one still need consent. */
const CLAIM_SCOPE = new Map<string, string>(Object.entries(SCOPE_CLAIMS).flatMap(([scope, names]) => names.map((n) => [n, scope] as [string, string])));
CLAIM_SCOPE.set('updated_at', 'profile');

/** Scopes whose consent covers the user claims requested through the claims parameter. */
export function scopesImpliedBy(request: ClaimsRequest | undefined): string[] {
  const names = [...Object.keys(request?.id_token ?? {}), ...Object.keys(request?.userinfo ?? {})];
  return [...new Set(names.map((n) => CLAIM_SCOPE.get(n)).filter((s): s is string => s !== undefined))];
}

/**
 * The claims request without the user claims whose scope the client may not be granted: a claim
 * asked for one by one is released only under a scope allowed for the client (and then consented
 * to, see scopesImpliedBy), never around the client's scope list. Claims of no scope (acr, sub...)
 * stay.
 */
export function limitToScopes(request: ClaimsRequest, allowed: Set<string>): ClaimsRequest {
  const keep = (member: ClaimRequests | undefined) =>
    member && Object.fromEntries(Object.entries(member).filter(([name]) => {
      const scope = CLAIM_SCOPE.get(name);
      return scope === undefined || allowed.has(scope);
    }));
  const out: ClaimsRequest = {};
  if (request.id_token) out.id_token = keep(request.id_token);
  if (request.userinfo) out.userinfo = keep(request.userinfo);
  return out;
}

/** The user's claims named in `requests` (OIDC Core §5.5); claims the user does not have are left out. */
export function requestedUserClaims(user: User, requests: ClaimRequests | undefined): Record<string, unknown> {
  if (!requests) return {};
  const all = claimsForScopes(user, Object.keys(SCOPE_CLAIMS));
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(requests)) if (name !== 'sub' && name in all) out[name] = all[name];
  return out;
}

/** The `sub` an ID token must have, when the claims parameter asks for a particular value (§5.5.1). */
export function requiredSubject(request: ClaimsRequest | undefined): string | undefined {
  const sub = request?.id_token?.sub;
  return sub && typeof sub.value === 'string' ? sub.value : undefined;
}
