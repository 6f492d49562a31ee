import { InvalidRequest } from '../errors';
import type { AuthorizeContext } from './request';

export const SUPPORTED_PROMPTS = ['none', 'login', 'consent', 'select_account'];

/** OIDC Core §3.1.2.1: prompt is a space-separated list; `none` with any other value is an error. */
export function checkPrompt(ctx: AuthorizeContext): void {
  const prompt = [...new Set((ctx.params.get('prompt') ?? '').split(' ').filter(Boolean))];
  const unknown = prompt.find((p) => !SUPPORTED_PROMPTS.includes(p));
  if (unknown) throw new InvalidRequest(`prompt value ${unknown} is not supported`);
  if (prompt.includes('none') && prompt.length > 1) throw new InvalidRequest('prompt=none cannot be combined with other values');
  ctx.request.prompt = prompt;
}

/** OIDC Core §3.1.2.1: max_age is a non-negative integer number of seconds. */
export function checkMaxAge(ctx: AuthorizeContext): void {
  const raw = ctx.params.get('max_age');
  if (raw === undefined) return;
  if (!/^\d{1,10}$/.test(raw)) throw new InvalidRequest('max_age must be a non-negative integer');
  ctx.request.maxAge = Number(raw);
}
