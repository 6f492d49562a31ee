import * as oauth from 'oauth4webapi';
import type { Bindings } from '../env';
import { readBytesLimited } from '../http/body';
import { guardedFetch, OutboundError } from '../http/outbound';
import { isDevelopmentIssuer } from '../http/outbound_address';
import type { Upstream } from '../storage/upstreams';
import { kekSecrets } from '../crypto/derived_keys';
import { upstreamPrivateKey } from './client_key';
import { callbackUri, openClientSecret } from './config';

/**
 * Our side as a relying party of an upstream OpenID provider, with oauth4webapi (a certified
 * relying-party library that runs in Workers) doing the protocol checks: discovery (OIDC Discovery
 * §4.3: the issuer must match), the authorization response (state, RFC 9207 `iss` when advertised,
 * error responses), the code exchange with PKCE S256 (RFC 7636), and the ID token (OIDC Core
 * §3.1.3.7: iss, aud, azp, exp, iat, nonce, auth_time with max_age), its signature checked against
 * the upstream's JWKS as well (validateApplicationLevelSignature), and UserInfo (§5.3.2: same sub).
 *
 * Every request goes through our SSRF guard (http/outbound.ts: public https only, loopback only for
 * a development OP, no redirects) with a timeout, and its body is read up to a size limit.
 */

export const FETCH_TIMEOUT_MS = 5_000;
export const MAX_BODY_BYTES = 256 * 1024;
/** Discovery is kept in this isolate for the upstream's Cache-Control max-age, within these bounds. */
const MIN_CACHE_S = 60;
const MAX_CACHE_S = 86_400;
const DEFAULT_CACHE_S = 3_600;

/** Why a sign-in through an upstream failed: decides what our relying party is told. */
export class UpstreamFailure extends Error {
  constructor(
    /** unavailable: temporarily_unavailable; denied: the user or upstream said no (access_denied); invalid: a protocol check failed. */
    readonly kind: 'unavailable' | 'denied' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** A guarded fetch whose body is read up to MAX_BODY_BYTES (a larger body is refused, not truncated). */
export async function boundedFetch(url: string, init: RequestInit, ourIssuer: string, what: string): Promise<Response> {
  const res = await guardedFetch(url, init, { issuer: ourIssuer, timeoutMs: FETCH_TIMEOUT_MS, what });
  const declared = Number(res.headers.get('Content-Length') ?? '0');
  if (declared > MAX_BODY_BYTES) {
    await res.body?.cancel();
    throw new OutboundError('unreachable', `answered with more than ${MAX_BODY_BYTES} bytes`);
  }
  const body = await readBytesLimited(res.body, MAX_BODY_BYTES);
  if (body === 'too-large') throw new OutboundError('unreachable', `answered with more than ${MAX_BODY_BYTES} bytes`);
  return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, headers: res.headers });
}

/** The options every oauth4webapi request gets: our guarded, bounded fetch, and http only for a development OP. */
function httpOptions(ourIssuer: string, what: string) {
  return {
    [oauth.customFetch]: (url: string, options: oauth.CustomFetchOptions<string, unknown>) =>
      boundedFetch(url, { method: options.method, headers: options.headers, body: options.body as BodyInit | undefined }, ourIssuer, `${what} (${url})`),
    [oauth.allowInsecureRequests]: isDevelopmentIssuer(ourIssuer),
  };
}

interface Discovered {
  as: oauth.AuthorizationServer;
  until: number;
  /** oauth4webapi's JWKS cache for this upstream (it refetches on an unknown kid, and after 10 minutes). */
  jwks: oauth.JWKSCacheInput;
}

const discovered = new Map<string, Promise<Discovered>>();

function maxAge(res: Response): number {
  const m = /max-age=(\d+)/i.exec(res.headers.get('Cache-Control') ?? '');
  return Math.min(MAX_CACHE_S, Math.max(MIN_CACHE_S, m ? Number(m[1]) : DEFAULT_CACHE_S));
}

/** The upstream's discovery document (and JWKS cache), kept in this isolate for its max-age. */
export async function discover(upstream: Pick<Upstream, 'issuer'>, ourIssuer: string): Promise<Discovered> {
  const key = upstream.issuer;
  const cached = discovered.get(key);
  if (cached) {
    const d = await cached.catch(() => null);
    if (d && d.until > Date.now()) return d;
    if (discovered.get(key) === cached) discovered.delete(key);
  }
  const load = (async (): Promise<Discovered> => {
    const issuer = new URL(upstream.issuer);
    let res: Response;
    try {
      res = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...httpOptions(ourIssuer, 'upstream discovery') });
    } catch (err) {
      throw asFailure(err);
    }
    if (res.status >= 500) throw new UpstreamFailure('unavailable', `the upstream's discovery answered ${res.status}`);
    try {
      const as = await oauth.processDiscoveryResponse(issuer, res);
      return { as, until: Date.now() + maxAge(res) * 1000, jwks: {} };
    } catch (err) {
      throw asFailure(err);
    }
  })();
  discovered.set(key, load);
  load.catch(() => {
    if (discovered.get(key) === load) discovered.delete(key);
  });
  return load;
}

/** Drops the cached discovery of an upstream (after its configuration changed). */
export const forgetDiscovery = (issuer: string): void => void discovered.delete(issuer);

function asFailure(err: unknown): UpstreamFailure {
  if (err instanceof UpstreamFailure) return err;
  if (err instanceof OutboundError) return new UpstreamFailure('unavailable', `the upstream ${err.message}`);
  if (err instanceof oauth.AuthorizationResponseError) return new UpstreamFailure('denied', `the upstream answered ${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
  if (err instanceof oauth.ResponseBodyError && err.status >= 500) return new UpstreamFailure('unavailable', `the upstream answered ${err.status}`);
  const cause = err instanceof Error && err.cause instanceof OutboundError ? err.cause : undefined;
  if (cause) return new UpstreamFailure('unavailable', `the upstream ${cause.message}`);
  return new UpstreamFailure('invalid', `the upstream's answer was refused: ${err instanceof Error ? err.message : String(err)}`);
}

const clientOf = (u: Upstream): oauth.Client => ({ client_id: u.clientId });

/**
 * The upstream's auth_method: private_key_jwt (OIDC Core §9: a JWT signed with the key the OP
 * holds for this upstream; oauth4webapi sets iss, sub, aud, jti, iat, exp), client_secret_post, or
 * client_secret_basic, which falls back to post when the upstream supports only that (OIDC Discovery §3).
 */
async function clientAuth(env: Bindings, u: Upstream, as: oauth.AuthorizationServer): Promise<oauth.ClientAuth> {
  if (u.authMethod === 'private_key_jwt') {
    const { key, kid, x5t } = await upstreamPrivateKey(kekSecrets(env), u);
    // x5t too when the key has a certificate: some providers (Entra ID) find the key by it.
    return oauth.PrivateKeyJwt({ key, kid }, x5t ? { [oauth.modifyAssertion]: (header) => void (header.x5t = x5t) } : {});
  }
  const secret = await openClientSecret(env, u);
  if (u.authMethod === 'client_secret_post') return oauth.ClientSecretPost(secret);
  const methods = as.token_endpoint_auth_methods_supported;
  return methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post') ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
}

/** What a sign-in through an upstream must remember between the redirect and the callback (sealed in the interaction cookie). */
export interface PendingUpstream {
  slug: string;
  state: string;
  nonce: string;
  verifier: string;
  /** max_age asked of the upstream (checked on its auth_time). */
  maxAge?: number;
}

export interface StartOptions {
  prompt?: string;
  maxAge?: number;
  loginHint?: string;
  uiLocales?: string;
}

/**
 * The upstream's authorization URL: code flow, PKCE S256, a fresh state and nonce. `statePrefix`
 * (the interaction id) lets the callback find the interaction; the random part is what is checked.
 */
export async function startUrl(u: Upstream, ourIssuer: string, statePrefix: string, opts: StartOptions): Promise<{ url: string; pending: PendingUpstream }> {
  const { as } = await discover(u, ourIssuer);
  if (!as.authorization_endpoint) throw new UpstreamFailure('invalid', 'the upstream advertises no authorization_endpoint');
  const verifier = oauth.generateRandomCodeVerifier();
  const state = `${statePrefix}.${oauth.generateRandomState()}`;
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: u.clientId,
    redirect_uri: callbackUri(ourIssuer, u.slug),
    scope: u.scopes.join(' '),
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    prompt: opts.prompt,
    max_age: opts.maxAge === undefined ? undefined : String(opts.maxAge),
    login_hint: opts.loginHint,
    ui_locales: opts.uiLocales,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { url: url.href, pending: { slug: u.slug, state, nonce, verifier, ...(opts.maxAge !== undefined ? { maxAge: opts.maxAge } : {}) } };
}

export interface UpstreamIdentity {
  /** The upstream's `sub`. */
  subject: string;
  /** The ID token's claims, with UserInfo's added when the mapping needed them. */
  claims: Record<string, unknown>;
  idToken: string;
  /** The upstream's session id (Front/Back-Channel Logout `sid`), when its ID token carries one. */
  sid?: string;
  acr?: string;
  authTime?: number;
}

/**
 * The callback: the authorization response checked against what we sent (state, iss), the code
 * exchanged, the ID token validated and its signature verified, UserInfo read when the mapping
 * names claims the ID token lacks. Any failure is an UpstreamFailure.
 */
export async function finishCallback(env: Bindings, u: Upstream, ourIssuer: string, callbackParams: URLSearchParams, pending: PendingUpstream): Promise<UpstreamIdentity> {
  const { as, jwks } = await discover(u, ourIssuer);
  const client = clientOf(u);
  const http = httpOptions(ourIssuer, `upstream ${u.slug}`);
  try {
    // RFC 6749 §4.1.2, RFC 9207 §2.4: state compared, iss compared when present or advertised, error responses thrown.
    const params = oauth.validateAuthResponse(as, client, callbackParams, pending.state);
    const tokenRes = await oauth.authorizationCodeGrantRequest(as, client, await clientAuth(env, u, as), params, callbackUri(ourIssuer, u.slug), pending.verifier, http);
    const result = await oauth.processAuthorizationCodeResponse(as, client, tokenRes, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
      ...(pending.maxAge !== undefined ? { maxAge: pending.maxAge } : {}),
    });
    // The signature too, against the upstream's JWKS (refetched by oauth4webapi on an unknown kid).
    await oauth.validateApplicationLevelSignature(as, tokenRes, { ...http, [oauth.jwksCache]: jwks });
    const idClaims = oauth.getValidatedIdTokenClaims(result)!;
    const claims: Record<string, unknown> = { ...idClaims };
    const mapped = Object.values(u.claimMapping);
    if (mapped.some((name) => !(name in claims)) && as.userinfo_endpoint && result.access_token) {
      const uiRes = await oauth.userInfoRequest(as, client, result.access_token, http);
      const userinfo = await oauth.processUserInfoResponse(as, client, idClaims.sub, uiRes);
      for (const [k, v] of Object.entries(userinfo)) if (!(k in claims)) claims[k] = v;
    }
    return {
      subject: idClaims.sub,
      claims,
      idToken: result.id_token!,
      ...(typeof idClaims.sid === 'string' ? { sid: idClaims.sid } : {}),
      ...(typeof idClaims.acr === 'string' ? { acr: idClaims.acr } : {}),
      ...(typeof idClaims.auth_time === 'number' ? { authTime: idClaims.auth_time } : {}),
    };
  } catch (err) {
    throw asFailure(err);
  }
}
