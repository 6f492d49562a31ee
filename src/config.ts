import type { Bindings } from './env';

export interface Lifetimes {
  code: number;
  accessToken: number;
  idToken: number;
  session: number;
  interaction: number;
}

const DEFAULTS: Lifetimes = {
  code: 60,
  accessToken: 3600,
  idToken: 3600,
  session: 14 * 24 * 3600,
  interaction: 30 * 60,
};

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function lifetimes(env: Bindings): Lifetimes {
  return {
    code: seconds(env.CODE_TTL, DEFAULTS.code),
    accessToken: seconds(env.ACCESS_TOKEN_TTL, DEFAULTS.accessToken),
    idToken: seconds(env.ID_TOKEN_TTL, DEFAULTS.idToken),
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

export const now = (): number => Math.floor(Date.now() / 1000);
