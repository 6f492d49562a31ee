import { describe, expect, it } from 'vitest';
import { decideNextStep, type DecisionInput } from '../../../src/authorize/decide';
import type { AuthorizationRequest } from '../../../src/authorize/request';
import type { Client } from '../../../src/storage/clients';

const request: AuthorizationRequest = { clientId: 'c', redirectUri: 'https://rp/cb', responseType: 'code', responseMode: 'query', scopes: ['openid', 'email'], prompt: [] };
const session = { sid: 's', userId: 'u', authTime: 1000, amr: ['pwd'], expiresAt: 99999 };
const client: Client = {
  id: 'c', secretHash: null, secretSealed: null, name: 'App', redirectUris: [], tokenEndpointAuthMethod: 'none', firstParty: false,
  idTokenAlg: null, grantTypes: ['authorization_code'], scopes: null, jwks: null, jwksUri: null, lifetimes: {}, createdAt: 0,
};
const base: DecisionInput = { request, client, session, consentedScopes: new Set(['openid', 'email']), authenticatedHere: false, consentedHere: false, now: 1100 };

const step = (over: Partial<DecisionInput>, req: Partial<AuthorizationRequest> = {}) => {
  const next = decideNextStep({ ...base, ...over, request: { ...request, ...req } });
  return next.step === 'error' ? next.error.error : next.step;
};

describe('decideNextStep', () => {
  it('asks for sign-in without a session, or answers login_required for prompt=none', () => {
    expect(step({ session: null })).toBe('login');
    expect(step({ session: null }, { prompt: ['none'] })).toBe('login_required');
  });

  it('issues at once for a session with remembered consent (single sign-on)', () => {
    expect(step({})).toBe('issue');
    expect(step({}, { prompt: ['none'] })).toBe('issue');
  });

  it('honours prompt=login and max_age unless the user signed in during this interaction', () => {
    expect(step({}, { prompt: ['login'] })).toBe('login');
    expect(step({ authenticatedHere: true }, { prompt: ['login'] })).toBe('issue');
    expect(step({}, { maxAge: 50 })).toBe('login');
    expect(step({}, { maxAge: 100 })).toBe('issue');
    expect(step({}, { maxAge: 50, prompt: ['none'] })).toBe('login_required');
  });

  it('asks for consent for new scopes or prompt=consent, except for first-party clients', () => {
    expect(step({ consentedScopes: new Set(['openid']) })).toBe('consent');
    expect(step({}, { prompt: ['consent'] })).toBe('consent');
    expect(step({ consentedHere: true }, { prompt: ['consent'] })).toBe('issue');
    expect(step({ consentedScopes: new Set() }, { prompt: ['none'] })).toBe('consent_required');
    expect(step({ consentedScopes: new Set(), client: { ...client, firstParty: true } })).toBe('issue');
  });
});
