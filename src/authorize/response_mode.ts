import { returnsTokens } from './response_type';

/**
 * Response modes: how authorization response parameters travel to the redirect_uri. One row per
 * mode, so further modes (JARM's `jwt`, `query.jwt`...) are rows added here:
 * - `allowedFor`: whether the mode may carry that response type;
 * - `transport`: `redirect` builds a Location with `encode`; `form_post` is rendered as a page by the route.
 */
export type ResponseMode = 'query' | 'fragment' | 'form_post';

export interface ResponseModeRule {
  allowedFor: (responseType: string) => boolean;
  transport: 'redirect' | 'form_post';
}

export const RESPONSE_MODES: Record<ResponseMode, ResponseModeRule> = {
  // Multiple Response Types §2.1: query MUST NOT be used for types that return tokens (they would
  // end up in logs and Referer headers); a request asking for it is refused.
  query: { allowedFor: (t) => !returnsTokens(t), transport: 'redirect' },
  fragment: { allowedFor: () => true, transport: 'redirect' },
  // OAuth 2.0 Form Post Response Mode §2.
  form_post: { allowedFor: () => true, transport: 'form_post' },
};

export const isResponseMode = (mode: string): mode is ResponseMode => Object.hasOwn(RESPONSE_MODES, mode);

/** Multiple Response Types §2.1 and §3-§5: `query` for `code`, `fragment` for everything else. */
export const defaultResponseMode = (responseType: string | undefined): ResponseMode => (responseType === undefined || !returnsTokens(responseType) ? 'query' : 'fragment');

/** What an authorization response (success or error) carries, before it is encoded. */
export interface AuthorizationResponse {
  redirectUri: string;
  mode: ResponseMode;
  params: Record<string, string | undefined>;
}

/**
 * The parameters added to the redirect URI: in its query component (RFC 6749 §3.1.2: the
 * registered URI's own query is kept byte for byte and ours follow it) or in its fragment.
 */
export function encodeInRedirect(redirectUri: string, mode: ResponseMode, params: Record<string, string | undefined>): string {
  const encoded = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) encoded.append(k, v);
  if (encoded.size === 0) return redirectUri;
  if (mode === 'fragment') return `${redirectUri}#${encoded.toString()}`;
  const separator = redirectUri.includes('?') ? (redirectUri.endsWith('?') || redirectUri.endsWith('&') ? '' : '&') : '?';
  return `${redirectUri}${separator}${encoded.toString()}`;
}

/** The defined parameters of a response, in order, for a form_post page. */
export const formFields = (params: Record<string, string | undefined>): [string, string][] =>
  Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
