import { lifetimes } from '../config';
import type { Bindings } from '../env';
import { settings } from '../settings';
import type { KeyAlg } from './types';

export { JWKS_MAX_AGE, JWKS_STALE_WHILE_REVALIDATE, MIN_PREPUBLICATION } from '../settings';

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

const SKEW_MARGIN = 300;

/** The key policy, from the settings (SIGNING_ALGS, ID_TOKEN_SIGNING_ALG, RSA_MODULUS_LENGTH, KEY_ROTATION, KEY_PREPUBLICATION). */
export function keyPolicy(env: Bindings): KeyPolicy {
  const s = settings(env);
  const t = lifetimes(env);
  return {
    algorithms: [...s.signingAlgs],
    defaultAlg: s.idTokenSigningAlg ?? 'RS256',
    rsaModulusLength: s.rsaModulusLength,
    rotation: s.keyRotation,
    prepublication: s.keyPrepublication,
    retention: Math.max(t.idToken, t.accessToken) + SKEW_MARGIN,
  };
}
