import type { KeyAlg } from '../keys/types';
import { returnsTokens } from './response_type';

/**
 * Response modes: how authorization response parameters travel to the redirect_uri. One row per
 * mode:
 * - `allowedFor`: whether the mode may carry that response type;
 * - `transport`: `redirect` builds a Location with `encode`; `form_post` is rendered as a page by the route;
 * - `fragment`: a redirect puts the parameters in the fragment (else the query);
 * - `jwt`: JARM, the parameters travel as one signed `response` JWT (authorize/jarm.ts);
 * - `resolve`: a mode that stands for another one depending on the response type (JARM `jwt`).
 */
export type ResponseMode = 'query' | 'fragment' | 'form_post' | 'query.jwt' | 'fragment.jwt' | 'form_post.jwt' | 'jwt';

export interface ResponseModeRule {
  allowedFor: (responseType: string) => boolean;
  transport: 'redirect' | 'form_post';
  fragment?: boolean;
  jwt?: boolean;
  resolve?: (responseType: string) => ResponseMode;
}

export const RESPONSE_MODES: Record<ResponseMode, ResponseModeRule> = {
  // Multiple Response Types §2.1: query MUST NOT be used for types that return tokens (they would
  // end up in logs and Referer headers); a request asking for it is refused.
  query: { allowedFor: (t) => !returnsTokens(t), transport: 'redirect' },
  fragment: { allowedFor: () => true, transport: 'redirect', fragment: true },
  // OAuth 2.0 Form Post Response Mode §2.
  form_post: { allowedFor: () => true, transport: 'form_post' },
  // JARM §2.3.1: query.jwt MUST NOT be used with types that return tokens unless the JWT is
  // encrypted (this OP does not encrypt JARM responses).
  'query.jwt': { allowedFor: (t) => !returnsTokens(t), transport: 'redirect', jwt: true },
  // JARM §2.3.2 and §2.3.3.
  'fragment.jwt': { allowedFor: () => true, transport: 'redirect', fragment: true, jwt: true },
  'form_post.jwt': { allowedFor: () => true, transport: 'form_post', jwt: true },
  // JARM §2.3.4: `jwt` is query.jwt for `code` and fragment.jwt for the types that return tokens.
  jwt: { allowedFor: () => true, transport: 'redirect', jwt: true, resolve: (t) => (returnsTokens(t) ? 'fragment.jwt' : 'query.jwt') },
};

export const isResponseMode = (mode: string): mode is ResponseMode => Object.hasOwn(RESPONSE_MODES, mode);

/** The mode that actually carries a response of this type (JARM §2.3.4 resolves `jwt`). */
export const concreteMode = (mode: ResponseMode, responseType: string | undefined): ResponseMode => RESPONSE_MODES[mode].resolve?.(responseType ?? 'code') ?? mode;

/** The modes discovery lists (response_modes_supported). */
export const SUPPORTED_RESPONSE_MODES = Object.keys(RESPONSE_MODES) as ResponseMode[];

/** Multiple Response Types §2.1 and §3-§5: `query` for `code`, `fragment` for everything else. */
export const defaultResponseMode = (responseType: string | undefined): ResponseMode => (responseType === undefined || !returnsTokens(responseType) ? 'query' : 'fragment');

/** What an authorization response (success or error) carries, before it is encoded. */
export interface AuthorizationResponse {
  redirectUri: string;
  mode: ResponseMode;
  params: Record<string, string | undefined>;
  /** JARM modes: the audience of the response JWT and its signing algorithm (JARM §2.1, §3). */
  jarm?: { clientId: string; alg: KeyAlg };
}

/**
 * The parameters added to the redirect URI: in its query component (RFC 6749 §3.1.2: the
 * registered URI's own query is kept byte for byte and ours follow it) or in its fragment.
 */
export function encodeInRedirect(redirectUri: string, mode: ResponseMode, params: Record<string, string | undefined>): string {
  const encoded = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) encoded.append(k, v);
  if (encoded.size === 0) return redirectUri;
  if (RESPONSE_MODES[mode].fragment) return `${redirectUri}#${encoded.toString()}`;
  const separator = redirectUri.includes('?') ? (redirectUri.endsWith('?') || redirectUri.endsWith('&') ? '' : '&') : '?';
  return `${redirectUri}${separator}${encoded.toString()}`;
}

/** The defined parameters of a response, in order, for a form_post page. */
export const formFields = (params: Record<string, string | undefined>): [string, string][] =>
  Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
