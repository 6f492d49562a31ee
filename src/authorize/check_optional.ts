import type { AuthorizeContext } from './request';

/**
 * Parameters that shape the interaction but cannot fail: nonce (carried into the ID token),
 * login_hint, display, ui_locales, claims_locales and acr_values. Unknown parameters are ignored
 * (OIDC Core §3.1.2.1 and RFC 6749 §3.1: the server MUST ignore unrecognized parameters).
 */
export function checkOptionalParameters(ctx: AuthorizeContext): void {
  const r = ctx.request;
  r.nonce = ctx.params.get('nonce');
  r.loginHint = ctx.params.get('login_hint');
  r.display = ctx.params.get('display');
  r.uiLocales = ctx.params.get('ui_locales');
  r.claimsLocales = ctx.params.get('claims_locales');
  r.acrValues = ctx.params.get('acr_values');
}
