import { InvalidRequest, UnauthorizedClient, UnsupportedResponseType } from '../errors';
import { responseTypesOf } from '../clients/model';
import type { AuthorizeContext } from './request';
import { RESPONSE_MODES, concreteMode, defaultResponseMode, isResponseMode } from './response_mode';
import { normalizeResponseType, returnsIdToken } from './response_type';

/**
 * RFC 6749 §3.1.1: response_type is REQUIRED. The types of OIDC Core §3 are offered (in any order
 * of their values); RFC 6749 §4.1.2.1 / §4.2.2.1: a type the client did not register is
 * unauthorized_client (Registration 1.0 §2: response_types).
 */
export function checkResponseType(ctx: AuthorizeContext): void {
  const raw = ctx.params.get('response_type');
  if (!raw) throw new InvalidRequest('response_type is required');
  const type = normalizeResponseType(raw);
  if (!type) throw new UnsupportedResponseType(`response_type ${raw} is not supported`);
  if (!responseTypesOf(ctx.client!).includes(type)) throw new UnauthorizedClient(`this client is not registered for response_type ${type}`);
  ctx.request.responseType = type;
}

/**
 * Multiple Response Types §2.1: the default mode follows the type (query for `code`, fragment for
 * the rest); `query` MUST NOT carry tokens, so asking for it with such a type is refused.
 * Form Post Response Mode §2 adds `form_post`; JARM §2.3 the `*.jwt` modes (`jwt` is stored as the
 * mode it stands for, §2.3.4).
 */
export function checkResponseMode(ctx: AuthorizeContext): void {
  const type = ctx.request.responseType!;
  const mode = ctx.params.get('response_mode');
  if (mode === undefined) {
    ctx.request.responseMode = defaultResponseMode(type);
    return;
  }
  if (!isResponseMode(mode)) throw new InvalidRequest(`response_mode ${mode} is not supported`);
  if (!RESPONSE_MODES[mode].allowedFor(type)) throw new InvalidRequest(`response_mode ${mode} cannot carry the tokens of response_type ${type}`);
  ctx.request.responseMode = concreteMode(mode, type);
}

/** OIDC Core §3.2.2.1 / §3.3.2.11: nonce is REQUIRED whenever the authorization endpoint returns an ID token. */
export function checkNonceRequired(ctx: AuthorizeContext): void {
  if (returnsIdToken(ctx.request.responseType!) && !ctx.params.get('nonce')) {
    throw new InvalidRequest('nonce is required when the response type returns an id_token');
  }
}

/**
 * The mode an error goes back in before the request's own mode is settled: the requested one when
 * it is known and fits the type, else the type's default (Multiple Response Types §2.1: an error for
 * an implicit or hybrid request is in the fragment, never the query).
 */
export function errorResponseMode(ctx: AuthorizeContext) {
  if (ctx.request.responseMode) return ctx.request.responseMode;
  const rawType = ctx.params.get('response_type');
  const type = rawType ? normalizeResponseType(rawType) : undefined;
  const mode = ctx.params.get('response_mode');
  if (mode !== undefined && isResponseMode(mode) && (type === undefined || RESPONSE_MODES[mode].allowedFor(type))) return concreteMode(mode, type);
  return defaultResponseMode(type);
}
