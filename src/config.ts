import type { Bindings } from './env';
import { issuerFor, settings } from './settings';

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

/** Per-client overrides (a client's `lifetimes`), in seconds. */
export interface LifetimeOverrides {
  access_token?: number;
  id_token?: number;
  refresh_token?: number;
  refresh_token_idle?: number;
}

export const INTERACTION_LIFETIME = 30 * 60;

/** The global lifetimes (settings), overridden by the client's own where it has them. */
export function lifetimes(env: Bindings, client?: { lifetimes?: LifetimeOverrides }): Lifetimes {
  const own = client?.lifetimes ?? {};
  const s = settings(env);
  return {
    code: s.codeTtl,
    accessToken: own.access_token ?? s.accessTokenTtl,
    idToken: own.id_token ?? s.idTokenTtl,
    refreshToken: own.refresh_token ?? s.refreshTokenTtl,
    refreshTokenIdle: own.refresh_token_idle ?? s.refreshTokenIdleTtl,
    refreshReuseInterval: s.refreshTokenReuseInterval,
    session: s.sessionTtl,
    interaction: INTERACTION_LIFETIME,
  };
}

/**
 * The issuer identifier (settings.ts issuerFor): ISSUER, or a loopback request's origin in
 * development. Discovery 1.0 §4.3: exactly the discovery URL minus "/.well-known/openid-configuration".
 */
export const resolveIssuer = issuerFor;

/** Scopes whose claims OIDC Core §5.4 defines; `openid` is the marker scope. */
export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'address', 'phone'] as const;
/** OIDC Core §11: asks for a refresh token. */
export const OFFLINE_ACCESS = 'offline_access';

export const now = (): number => Math.floor(Date.now() / 1000);
