/**
 * The response types this OP answers (OIDC Core §3.1-§3.3, OAuth 2.0 Multiple Response Type
 * Encoding Practices §3-§5). A value is a space-separated set whose order does not matter
 * (RFC 6749 §3.1.1), so it is normalised to one spelling before any comparison.
 */
export const RESPONSE_TYPES = ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'token'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

const ORDER = ['code', 'id_token', 'token'];

/** The one spelling of a response type value, or undefined when it is not one we know. */
export function normalizeResponseType(raw: string): ResponseType | undefined {
  const parts = raw.split(' ');
  if (parts.some((p) => !ORDER.includes(p)) || new Set(parts).size !== parts.length) return undefined;
  const value = parts.sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)).join(' ');
  return (RESPONSE_TYPES as readonly string[]).includes(value) ? (value as ResponseType) : undefined;
}

const has = (type: string, part: string) => type.split(' ').includes(part);
export const returnsCode = (type: string) => has(type, 'code');
export const returnsIdToken = (type: string) => has(type, 'id_token');
export const returnsAccessToken = (type: string) => has(type, 'token');
/** Anything but `code` alone sends a credential through the front channel. */
export const returnsTokens = (type: string) => returnsIdToken(type) || returnsAccessToken(type);

/**
 * RFC 7591 §2.1: the grant types a set of response types implies (`code` ⇒ authorization_code,
 * `id_token`/`token` ⇒ implicit).
 */
export function grantTypesFor(types: readonly string[]): ('authorization_code' | 'implicit')[] {
  const out = new Set<'authorization_code' | 'implicit'>();
  for (const t of types) {
    if (returnsCode(t)) out.add('authorization_code');
    if (returnsTokens(t)) out.add('implicit');
  }
  return [...out];
}
