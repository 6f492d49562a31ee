import type { ThrottlePolicy } from './policy';

/**
 * Every throttle of the OP, in one place (README "Throttling" restates them). Only failures count,
 * except where said; a correct credential is never refused by a per-account or per-client rule.
 */

/** Sign-in, per (account name typed, source IP): 5 free failures, then 2 s, 4 s, 8 s ... up to 15 min; forgotten after an hour. */
export const LOGIN_ACCOUNT_IP: ThrottlePolicy = { kind: 'backoff', free: 5, baseDelay: 2, maxDelay: 15 * 60, forgetAfter: 3600 };
/** Sign-in, per source IP across every account (password spraying): 30 failures per 15 minutes. */
export const LOGIN_IP: ThrottlePolicy = { kind: 'window', limit: 30, windowSeconds: 15 * 60 };

/** Client authentication, per (client_id, source IP): 10 failures per 5 minutes. */
export const CLIENT_IP_PAIR: ThrottlePolicy = { kind: 'window', limit: 10, windowSeconds: 5 * 60 };
/** Client authentication, per source IP across every client (token, revocation, introspection): 50 failures per 5 minutes. */
export const CLIENT_IP: ThrottlePolicy = { kind: 'window', limit: 50, windowSeconds: 5 * 60 };

/** Sign-up, per source IP: 10 attempts (accounts created or names found taken) per hour. */
export const SIGNUP_IP: ThrottlePolicy = { kind: 'window', limit: 10, windowSeconds: 3600 };
/** Open dynamic registration, per source IP: 20 registrations per hour. */
export const REGISTRATION_IP: ThrottlePolicy = { kind: 'window', limit: 20, windowSeconds: 3600 };
/** Admin API, per source IP: 10 failed authentications per 15 minutes. */
export const ADMIN_IP: ThrottlePolicy = { kind: 'window', limit: 10, windowSeconds: 15 * 60 };
/** Interactions (pending sign-ins) created by GET/POST /authorize, per source IP: 60 per minute. */
export const INTERACTION_IP: ThrottlePolicy = { kind: 'window', limit: 60, windowSeconds: 60 };
