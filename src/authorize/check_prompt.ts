import { InvalidRequest } from '../errors';
import type { AuthorizeContext } from './request';

/** `create` is Initiating User Registration via OpenID Connect 1.0; it is offered only while sign-up is on. */
export const SUPPORTED_PROMPTS = ['none', 'login', 'consent', 'select_account', 'create'];

export const supportedPrompts = (signupEnabled: boolean) => SUPPORTED_PROMPTS.filter((p) => p !== 'create' || signupEnabled);

/**
 * OIDC Core §3.1.2.1: prompt is a space-separated list; `none` with any other value is an error.
 * Initiating User Registration §4.1: a value not in prompt_values_supported is invalid_request.
 */
export function checkPrompt(ctx: AuthorizeContext): void {
  const prompt = [...new Set((ctx.params.get('prompt') ?? '').split(' ').filter(Boolean))];
  const supported = supportedPrompts(ctx.signupEnabled ?? true);
  const unknown = prompt.find((p) => !supported.includes(p));
  if (unknown) throw new InvalidRequest(`prompt value ${unknown} is not supported`);
  if (prompt.includes('none') && prompt.length > 1) throw new InvalidRequest('prompt=none cannot be combined with other values');
  ctx.request.prompt = prompt;
}

/**
 * OIDC Core §3.1.2.1: max_age is a non-negative integer number of seconds. Registration 1.0 §2:
 * without one, the client's registered default_max_age applies.
 */
export function checkMaxAge(ctx: AuthorizeContext): void {
  const raw = ctx.params.get('max_age');
  if (raw === undefined) {
    if (ctx.client?.defaultMaxAge != null) ctx.request.maxAge = ctx.client.defaultMaxAge;
    return;
  }
  if (!/^\d{1,10}$/.test(raw)) throw new InvalidRequest('max_age must be a non-negative integer');
  ctx.request.maxAge = Number(raw);
}
