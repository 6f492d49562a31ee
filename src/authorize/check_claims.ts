import { OAuthError } from '../errors';
import { settings } from '../settings';
import { limitToScopes, parseClaimsRequest } from '../tokens/claims_request';
import { allowedScopes } from './check_scope';
import type { AuthorizeContext } from './request';

/**
 * The authentication context classes we satisfy: "1", a single factor (the password), ISO/IEC
 * 29115 level 1; and "phr", phishing-resistant (a passkey with user verification; OpenID
 * EAP ACR Values 1.0 §2), unless PASSKEYS=off. A client may register either as a default.
 */
export const ACR_VALUES_SUPPORTED = ['1', 'phr'];
export const DEFAULT_ACR = '1';
export const ACR_PHISHING_RESISTANT = 'phr';
export const acrValuesSupported = (passkeys: boolean): string[] => (passkeys ? ACR_VALUES_SUPPORTED : ['1']);

/** OpenID Connect Core Unmet Authentication Requirements 1.0 §2. */
class UnmetAuthenticationRequirements extends OAuthError {
  constructor(description: string) {
    super('unmet_authentication_requirements', description);
  }
}

/**
 * OIDC Core §5.5 (claims parameter) and §3.1.2.1 (acr_values, voluntary). The acr an ID token
 * carries is the first requested value we satisfy, else our default. An essential acr request
 * (§5.5.1.1) that we cannot satisfy MUST NOT succeed. User claims whose scope the client may not
 * be granted are dropped from the request (so never consented to nor released, first-party
 * clients included).
 */
export function checkClaims(ctx: AuthorizeContext): void {
  const raw = ctx.params.get('claims');
  const claims = raw === undefined ? undefined : limitToScopes(parseClaimsRequest(raw), allowedScopes(ctx.client!));
  ctx.request.claims = claims;
  const acrRequest = claims?.id_token?.acr;
  const essentialValues = acrRequest?.essential ? (acrRequest.values ?? (acrRequest.value !== undefined ? [acrRequest.value] : undefined)) : undefined;
  const asked = [
    ...(acrRequest?.values ?? (acrRequest?.value !== undefined ? [acrRequest.value] : [])),
    ...(ctx.params.get('acr_values') ?? '').split(' ').filter(Boolean),
  ].filter((v): v is string => typeof v === 'string');
  // Registration 1.0 §2: default_acr_values apply when the request names none.
  const wanted = asked.length > 0 ? asked : (ctx.client?.defaultAcrValues ?? []);
  const supported = acrValuesSupported(ctx.env ? settings(ctx.env).passkeys : true);
  const satisfied = wanted.find((v) => supported.includes(v));
  if (essentialValues && !essentialValues.some((v) => typeof v === 'string' && supported.includes(v))) {
    throw new UnmetAuthenticationRequirements(`the essential acr cannot be satisfied; supported: ${supported.join(' ')}`);
  }
  // With an essential acr, the value granted is one of the essential ones (§5.5.1.1).
  const essentialSatisfied = essentialValues?.find((v): v is string => typeof v === 'string' && supported.includes(v));
  ctx.request.acr = essentialSatisfied ?? satisfied ?? DEFAULT_ACR;
}
