import type { Bindings } from './env';
import type { Client } from './storage/clients';

export interface Lifetimes {
  code: number;
  accessToken: number;
  idToken: number;
  /** Absolute lifetime of a refresh token family, from the first authorization. */
  refreshToken: number;
  /** A refresh token unused for this long expires (sliding). */
  refreshTokenIdle: number;
  /** Within this many seconds, reusing a just-rotated refresh token returns the same new pair. */
  refreshReuseInterval: number;
  session: number;
  interaction: number;
}

const DEFAULTS: Lifetimes = {
  code: 60,
  accessToken: 3600,
  idToken: 3600,
  refreshToken: 30 * 24 * 3600,
  refreshTokenIdle: 14 * 24 * 3600,
  refreshReuseInterval: 5,
  session: 14 * 24 * 3600,
  interaction: 30 * 60,
};

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The global lifetimes (vars), overridden by the client's own where it has them. */
export function lifetimes(env: Bindings, client?: Client): Lifetimes {
  const own = client?.lifetimes ?? {};
  const reuse = Number(env.REFRESH_TOKEN_REUSE_INTERVAL);
  return {
    code: seconds(env.CODE_TTL, DEFAULTS.code),
    accessToken: own.access_token ?? seconds(env.ACCESS_TOKEN_TTL, DEFAULTS.accessToken),
    idToken: own.id_token ?? seconds(env.ID_TOKEN_TTL, DEFAULTS.idToken),
    refreshToken: own.refresh_token ?? seconds(env.REFRESH_TOKEN_TTL, DEFAULTS.refreshToken),
    refreshTokenIdle: own.refresh_token_idle ?? seconds(env.REFRESH_TOKEN_IDLE_TTL, DEFAULTS.refreshTokenIdle),
    refreshReuseInterval: Number.isInteger(reuse) && reuse >= 0 && reuse <= 60 ? reuse : DEFAULTS.refreshReuseInterval,
    session: seconds(env.SESSION_TTL, DEFAULTS.session),
    interaction: DEFAULTS.interaction,
  };
}

/**
 * The issuer identifier. Discovery 1.0 §4.3: it must be exactly the discovery URL minus
 * "/.well-known/openid-configuration", so a configured value loses any trailing slash.
 */
export function resolveIssuer(env: Bindings, requestUrl: string): string {
  if (env.ISSUER) return env.ISSUER.replace(/\/+$/, '');
  return new URL(requestUrl).origin;
}

/** Scopes whose claims OIDC Core §5.4 defines; `openid` is the marker scope. */
export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'address', 'phone'] as const;
/** OIDC Core §11: asks for a refresh token. */
export const OFFLINE_ACCESS = 'offline_access';

export const now = (): number => Math.floor(Date.now() / 1000);
