import { isSigningAlg, type SigningAlg } from './algorithms';
import type { Bindings } from './env';

/**
 * Every environment variable (wrangler.toml [vars], secrets), parsed and validated in one place,
 * once per isolate (memoised per env object). docs/settings.md has the table of defaults.
 *
 * Adding a setting is one entry in SETTINGS (plus its row in docs/settings.md): a variable name,
 * a one-line description and a `read` that turns the raw string (or undefined) into the typed
 * value, throwing SettingProblem for an invalid one. Read it as `settings(env).<key>`.
 *
 * Not parsed here: KEY_ENCRYPTION_KEY (a secret, imported as a key and checked by keys/encryption
 * where it is used) and the bindings (DB, KEYS, Durable Objects).
 */

/** An invalid value: the message names the variable and never echoes a secret's value. */
export class SettingError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`configuration error: ${variable} ${problem}`);
    this.name = 'SettingError';
  }
}

/** Thrown by a `read`; settings() adds the variable's name. */
class SettingProblem extends Error {}

interface Setting<T> {
  variable: string;
  doc: string;
  read(raw: string | undefined): T;
}

const DAY = 86_400;

/** How long relying parties and edges may cache the JWKS and discovery documents (seconds). */
export const JWKS_MAX_AGE = 3600;
export const JWKS_STALE_WHILE_REVALIDATE = 3600;
/** KV propagation (about 60 s) plus the in-isolate key set cache (60 s). */
const PROPAGATION = 120;
/** The shortest pre-publication window that is safe: nobody can still hold a JWKS without the new key. */
export const MIN_PREPUBLICATION = JWKS_MAX_AGE + JWKS_STALE_WHILE_REVALIDATE + PROPAGATION;

const blank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === '';

/** A whole number of seconds in [min, max]; unset means `fallback`. */
function seconds(fallback: number, min = 1, max = 10 * 365 * DAY) {
  return (raw: string | undefined): number => {
    if (blank(raw)) return fallback;
    const n = Number(raw.trim());
    if (!Number.isInteger(n) || n < min || n > max) throw new SettingProblem(`must be a whole number of seconds from ${min} to ${max} (got "${raw}")`);
    return n;
  };
}

/** One of a few words (case-insensitive); unset means `fallback`. */
function oneOf<const W extends string>(words: readonly W[], fallback: W) {
  return (raw: string | undefined): W => {
    if (blank(raw)) return fallback;
    const v = raw.trim().toLowerCase();
    if (!(words as readonly string[]).includes(v)) throw new SettingProblem(`must be one of ${words.join(', ')} (got "${raw}")`);
    return v as W;
  };
}

function issuer(raw: string | undefined): string | null {
  if (blank(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new SettingProblem(`must be an absolute https URL (got "${raw}")`);
  }
  // OIDC Core §2 / Discovery 1.0 §4.3: https, no query or fragment; http only for loopback development.
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if ((url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) || url.search || url.hash || url.username || url.password) {
    throw new SettingProblem(`must be an https URL without query, fragment or credentials (http only for localhost) (got "${raw}")`);
  }
  // Discovery 1.0 §4.3: the issuer is the discovery URL minus "/.well-known/openid-configuration".
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Below this length the admin token is too easy to guess, and the admin API stays off. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

function adminToken(raw: string | undefined): { token: string } | { disabled: string } {
  if (blank(raw)) return { disabled: 'ADMIN_TOKEN is not set' };
  if (raw.length < MIN_ADMIN_TOKEN_LENGTH) return { disabled: `ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters` };
  return { token: raw };
}

function signingAlgs(raw: string | undefined): SigningAlg[] {
  const listed = (blank(raw) ? 'RS256,PS256,ES256' : raw).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = listed.filter((a) => !isSigningAlg(a));
  if (unknown.length) throw new SettingProblem(`lists unsupported algorithms: ${unknown.join(', ')} (supported: RS256, PS256, ES256, EdDSA)`);
  const algs = [...new Set(listed as SigningAlg[])];
  // OIDC Core §15.1: RS256 is mandatory to implement, so it is always kept.
  return algs.includes('RS256') ? algs : ['RS256', ...algs];
}

function signingAlg(raw: string | undefined): SigningAlg | null {
  if (blank(raw)) return null;
  if (!isSigningAlg(raw.trim())) throw new SettingProblem(`must be one of RS256, PS256, ES256, EdDSA (got "${raw}")`);
  return raw.trim() as SigningAlg;
}

function keyRotation(raw: string | undefined): { kind: 'period'; seconds: number } | { kind: 'monthly' } {
  const v = blank(raw) ? '30d' : raw.trim();
  if (v === 'monthly') return { kind: 'monthly' };
  const days = /^(\d{1,4})d$/.exec(v);
  if (!days || Number(days[1]) < 1) throw new SettingProblem(`must be <days>d (e.g. 30d) or monthly (got "${raw}")`);
  return { kind: 'period', seconds: Number(days[1]) * DAY };
}

function positiveNumber(fallback: number) {
  return (raw: string | undefined): number => {
    if (blank(raw)) return fallback;
    const n = Number(raw.trim());
    if (!Number.isFinite(n) || n <= 0 || n > DAY) throw new SettingProblem(`must be a positive number of seconds, at most ${DAY} (got "${raw}")`);
    return n;
  };
}

/** A whole number of days in [min, max]; unset means `fallback`. */
function wholeDays(fallback: number, min: number, max: number) {
  return (raw: string | undefined): number => {
    if (blank(raw)) return fallback;
    const n = Number(raw.trim());
    if (!Number.isInteger(n) || n < min || n > max) throw new SettingProblem(`must be a whole number of days from ${min} to ${max} (got "${raw}")`);
    return n;
  };
}

/** KEY_ENCRYPTION_KEY_PREVIOUS: like KEY_ENCRYPTION_KEY, 32 random bytes in base64url; the value is never echoed. */
function previousKek(raw: string | undefined): string | undefined {
  if (blank(raw)) return undefined;
  const v = raw.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(v)) throw new SettingProblem('must be 32 random bytes, base64url-encoded (43 characters), like KEY_ENCRYPTION_KEY');
  return v;
}

const setting = <T>(variable: string, doc: string, read: (raw: string | undefined) => T): Setting<T> => ({ variable, doc, read });

/** The one table of settings. Keep docs/settings.md in step. */
export const SETTINGS = {
  issuer: setting('ISSUER', 'Canonical issuer URL; unset: loopback hosts only (development)', issuer),
  admin: setting('ADMIN_TOKEN', 'Bearer secret for /admin/*; unset or shorter than 32 characters: admin API off', adminToken),
  // RFC 6749 §4.1.2: a maximum authorization code lifetime of 10 minutes is RECOMMENDED.
  codeTtl: setting('CODE_TTL', 'Authorization code lifetime, seconds', seconds(60, 1, 600)),
  accessTokenTtl: setting('ACCESS_TOKEN_TTL', 'Access token lifetime, seconds', seconds(3600)),
  idTokenTtl: setting('ID_TOKEN_TTL', 'ID token lifetime, seconds', seconds(3600)),
  sessionTtl: setting('SESSION_TTL', '"Remember me" session lifetime, seconds', seconds(14 * DAY)),
  browserSessionTtl: setting('BROWSER_SESSION_TTL', 'Session lifetime without "remember me", seconds', seconds(DAY)),
  refreshTokenTtl: setting('REFRESH_TOKEN_TTL', 'Absolute refresh token family lifetime, seconds', seconds(30 * DAY)),
  refreshTokenIdleTtl: setting('REFRESH_TOKEN_IDLE_TTL', 'Refresh token idle lifetime (sliding), seconds', seconds(14 * DAY)),
  refreshTokenReuseInterval: setting('REFRESH_TOKEN_REUSE_INTERVAL', 'Seconds a just-rotated refresh token may be reused', seconds(5, 0, 60)),
  signingAlgs: setting('SIGNING_ALGS', 'Signing algorithms kept in rotation (RS256 always included)', signingAlgs),
  idTokenSigningAlg: setting('ID_TOKEN_SIGNING_ALG', 'Default ID token algorithm (one of SIGNING_ALGS); unset: RS256', signingAlg),
  rsaModulusLength: setting('RSA_MODULUS_LENGTH', 'RSA key size', (raw) => Number(oneOf(['2048', '3072', '4096'], '2048')(raw)) as 2048 | 3072 | 4096),
  keyRotation: setting('KEY_ROTATION', '<days>d or monthly', keyRotation),
  keyPrepublication: setting('KEY_PREPUBLICATION', `Seconds a new key is published before it signs (at least ${MIN_PREPUBLICATION})`, seconds(DAY, MIN_PREPUBLICATION)),
  registration: setting('REGISTRATION', 'Dynamic client registration: token, open or off', oneOf(['token', 'open', 'off'], 'token')),
  signup: setting('SIGNUP', 'Self-service sign-up and prompt=create: on or off', (raw) => oneOf(['on', 'off'], 'off')(raw) === 'on'),
  passkeys: setting('PASSKEYS', 'Passkeys: sign-in, passwordless sign-up, the account page and step-up (acr phr): on or off', (raw) => oneOf(['on', 'off'], 'on')(raw) === 'on'),
  localPasswords: setting('LOCAL_PASSWORDS', 'Password sign-in on the sign-in page: on or off (off: upstream providers and passkeys only; with one upstream, sign-in goes straight to it)', (raw) => oneOf(['on', 'off'], 'on')(raw) === 'on'),
  // RFC 9126 §5: the authorization server may require pushed authorization requests of every client.
  requirePar: setting('REQUIRE_PAR', 'Require pushed authorization requests (RFC 9126) of every client: on or off', (raw) => oneOf(['on', 'off'], 'off')(raw) === 'on'),
  // RFC 9449 §8-§9: DPoP proofs must carry a server nonce (derived per time slot, never stored).
  dpopNonce: setting('DPOP_NONCE', 'Require server-provided nonces in DPoP proofs (RFC 9449 §8): on or off', (raw) => oneOf(['on', 'off'], 'on')(raw) === 'on'),
  passwordPepper: setting('PASSWORD_PEPPER', 'Optional secret mixed into new password hashes (HMAC before PBKDF2)', (raw) => (blank(raw) ? undefined : raw.trim())),
  clientAssertionAudience: setting(
    'CLIENT_ASSERTION_AUDIENCE',
    'aud a client assertion may carry: issuer-or-token-endpoint, or issuer alone (FAPI 2.0)',
    oneOf(['issuer-or-token-endpoint', 'issuer'], 'issuer-or-token-endpoint'),
  ),
  backchannelRetryBase: setting('BACKCHANNEL_RETRY_BASE', 'First back-channel logout retry delay, seconds (doubles per attempt)', positiveNumber(5)),
  auditRetentionDays: setting('AUDIT_RETENTION_DAYS', 'Days audit events are kept before the cron purges them', wholeDays(90, 1, 3650)),
  keyEncryptionKeyPrevious: setting(
    'KEY_ENCRYPTION_KEY_PREVIOUS',
    'The KEY_ENCRYPTION_KEY being rotated out: what it sealed still opens, what it MACed still verifies; the cron re-seals under the current key',
    previousKek,
  ),
  // RFC 9101 §10.2 / OIDC Core §6.1: unsigned (alg none) request objects, only for clients that registered request_object_signing_alg none.
  requestObjectNone: setting('REQUEST_OBJECT_NONE', 'Accept unsigned (alg none) request objects from clients that registered request_object_signing_alg none: on or off', (raw) => oneOf(['on', 'off'], 'off')(raw) === 'on'),
  // OIDC Core §5.4: with an access token issued, the scopes' claims MAY also go in the ID token (issue 13).
  idTokenClaims: setting('ID_TOKEN_CLAIMS', 'Default ID token claims of clients that set none: scope (the granted scopes\' claims) or minimal', oneOf(['scope', 'minimal'], 'scope')),
  // RFC 7009 §2.1: revoking an access token MAY also revoke its grant (issue 13); default the token alone.
  revokeGrantOnAccessToken: setting('REVOKE_GRANT_ON_ACCESS_TOKEN', 'Revocation with token_type_hint=access_token also ends the grant\'s refresh tokens: on or off', (raw) => oneOf(['on', 'off'], 'off')(raw) === 'on'),
} satisfies Record<string, Setting<unknown>>;

export type Settings = { readonly [K in keyof typeof SETTINGS]: ReturnType<(typeof SETTINGS)[K]['read']> };

/** Checks that involve more than one setting. */
function crossCheck(s: Settings): void {
  if (s.idTokenSigningAlg && !s.signingAlgs.includes(s.idTokenSigningAlg)) {
    throw new SettingError('ID_TOKEN_SIGNING_ALG', `must be one of SIGNING_ALGS (${s.signingAlgs.join(', ')})`);
  }
}

const parsed = new WeakMap<object, Settings>();

/** The settings of this env, parsed on first use; throws SettingError naming the first invalid variable. */
export function settings(env: Bindings): Settings {
  let s = parsed.get(env);
  if (s) return s;
  const raw = env as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const value = raw[spec.variable];
    try {
      out[key] = spec.read(typeof value === 'string' ? value : undefined);
    } catch (e) {
      if (e instanceof SettingProblem) throw new SettingError(spec.variable, e.message);
      throw e;
    }
  }
  s = out as Settings;
  crossCheck(s);
  if ('disabled' in s.admin && !blankish(raw.ADMIN_TOKEN)) console.warn(`admin API disabled: ${s.admin.disabled}`);
  parsed.set(env, s);
  return s;
}

const blankish = (v: unknown) => typeof v !== 'string' || v.trim() === '';

/** Hosts served without ISSUER (development on this machine). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The issuer identifier for this request: ISSUER when set, else the request's origin if (and only
 * if) it is a loopback host. Any other host without ISSUER is a configuration error, never an
 * issuer taken from the request's Host header.
 */
export function issuerFor(env: Bindings, requestUrl: string): string {
  const configured = settings(env).issuer;
  if (configured) return configured;
  const url = new URL(requestUrl);
  if (LOOPBACK_HOSTS.has(url.hostname)) return url.origin;
  throw new SettingError('ISSUER', 'is not set: without it only loopback hosts (localhost, 127.0.0.1, [::1]) are served, for development');
}
