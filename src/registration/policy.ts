import type { Bindings } from '../env';
import { settings } from '../settings';

export type RegistrationPolicy = 'open' | 'token' | 'off';

/**
 * The REGISTRATION var: `open` (anyone may register), `token` (the default: an initial access
 * token from the operator is required, RFC 7591 §3) or `off` (no registration endpoint). An
 * unrecognised value is treated as the default, never as `open`.
 */
export function registrationPolicy(env: Bindings): RegistrationPolicy {
  return settings(env).registration;
}

/** Discovery 1.0 §3: registration_endpoint, advertised only while registration is on. */
export function registrationDiscovery(issuer: string, env: Bindings): { registration_endpoint?: string } {
  return registrationPolicy(env) === 'off' ? {} : { registration_endpoint: `${issuer}/register` };
}
