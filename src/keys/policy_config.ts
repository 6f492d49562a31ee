import { lifetimes } from '../config';
import type { Bindings } from '../env';
import { isKeyAlg, type KeyAlg } from './types';

/** How long relying parties and edges may cache the JWKS and discovery documents (seconds). */
export const JWKS_MAX_AGE = 3600;
export const JWKS_STALE_WHILE_REVALIDATE = 3600;
/** KV propagation (about 60 s) plus our in-isolate cache (60 s). */
const PROPAGATION = 120;
/** The shortest pre-publication window that is safe: nobody can still hold a JWKS without the new key. */
export const MIN_PREPUBLICATION = JWKS_MAX_AGE + JWKS_STALE_WHILE_REVALIDATE + PROPAGATION;

export interface KeyPolicy {
  /** Algorithms that keep a key set; the first is the default for ID tokens unless configured. */
  algorithms: KeyAlg[];
  defaultAlg: KeyAlg;
  rsaModulusLength: 2048 | 3072 | 4096;
  /** Seconds an active key signs before its successor takes over, or on the 1st of each month (UTC). */
  rotation: { kind: 'period'; seconds: number } | { kind: 'monthly' };
  /** Seconds a `next` key is published before it may sign. */
  prepublication: number;
  /** Seconds a retired key stays published: the longest token lifetime plus clock-skew margin. */
  retention: number;
}

const DAY = 86_400;
const SKEW_MARGIN = 300;

function algorithms(env: Bindings): KeyAlg[] {
  const listed = (env.SIGNING_ALGS ?? 'RS256,PS256,ES256').split(',').map((s) => s.trim()).filter(Boolean);
  const valid = [...new Set(listed.filter(isKeyAlg))];
  // RS256 is always available: OIDC Core §15.1 makes it mandatory to implement.
  return valid.includes('RS256') ? valid : ['RS256', ...valid];
}

export function keyPolicy(env: Bindings): KeyPolicy {
  const algs = algorithms(env);
  const defaultAlg = isKeyAlg(env.ID_TOKEN_SIGNING_ALG) && algs.includes(env.ID_TOKEN_SIGNING_ALG) ? env.ID_TOKEN_SIGNING_ALG : 'RS256';
  const bits = Number(env.RSA_MODULUS_LENGTH);
  const rotationSetting = (env.KEY_ROTATION ?? '30d').trim();
  const days = /^(\d{1,4})d$/.exec(rotationSetting);
  const prepub = Number(env.KEY_PREPUBLICATION);
  const t = lifetimes(env);
  return {
    algorithms: algs,
    defaultAlg,
    rsaModulusLength: bits === 3072 || bits === 4096 ? bits : 2048,
    rotation: rotationSetting === 'monthly' ? { kind: 'monthly' } : { kind: 'period', seconds: (days ? Math.max(1, Number(days[1])) : 30) * DAY },
    prepublication: Number.isInteger(prepub) && prepub >= MIN_PREPUBLICATION ? prepub : DAY,
    retention: Math.max(t.idToken, t.accessToken) + SKEW_MARGIN,
  };
}
