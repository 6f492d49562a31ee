import { describe, expect, it } from 'vitest';
import { decideNextStep, type DecisionInput } from '../../../src/authorize/decide';
import type { AuthorizationRequest } from '../../../src/authorize/request';
import { checkPrompt } from '../../../src/authorize/check_prompt';
import { DEFAULT_FIELDS } from '../../../src/clients/model';
import type { Client } from '../../../src/storage/clients';

const request: AuthorizationRequest = { clientId: 'c', redirectUri: 'https://rp/cb', responseType: 'code', responseMode: 'query', scopes: ['openid', 'email'], prompt: [] };
const session = { sid: 's', userId: 'u', authTime: 1000, amr: ['pwd'], expiresAt: 99999 };
const client: Client = {
  ...DEFAULT_FIELDS, id: 'c', secretHash: null, secretSealed: null, previousSecretHash: null, previousSecretExpiresAt: null,
  registrationTokenHash: null, customClaims: [], name: 'App', tokenEndpointAuthMethod: 'none', createdAt: 0,
};
const base: DecisionInput = { request, client, session, sessionSubject: 'u', consentedScopes: new Set(['openid', 'email']), authenticatedHere: false, consentedHere: false, now: 1100 };

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

  it('prompt=create shows sign-up until the user signed up (or in) here, then consent', () => {
    expect(step({ session: null }, { prompt: ['create'] })).toBe('signup');
    expect(step({}, { prompt: ['create'] })).toBe('signup');
    expect(step({ authenticatedHere: true }, { prompt: ['create'] })).toBe('issue');
    expect(step({ authenticatedHere: true, consentedScopes: new Set() }, { prompt: ['create'] })).toBe('consent');
  });

  it('prompt=select_account shows the chooser when there is a session, until an account is chosen', () => {
    expect(step({}, { prompt: ['select_account'] })).toBe('select_account');
    expect(step({ session: null }, { prompt: ['select_account'] })).toBe('login');
    expect(step({ session: null, otherAccounts: true }, { prompt: ['select_account'] })).toBe('select_account');
    expect(step({ accountChosenHere: true }, { prompt: ['select_account'] })).toBe('issue');
    expect(step({ addAccount: true }, { prompt: ['select_account'] })).toBe('login');
    expect(step({ accountChosenHere: true }, { prompt: ['select_account', 'login'] })).toBe('login');
  });

  it('an expected subject (id_token_hint) other than the session user needs a sign-in', () => {
    expect(step({}, { idTokenHintSub: 'u' })).toBe('issue');
    expect(step({}, { idTokenHintSub: 'other' })).toBe('login');
    expect(step({}, { idTokenHintSub: 'other', prompt: ['none'] })).toBe('login_required');
  });

  it('compares an expected subject with the sub the client sees (pairwise), not the internal user id', () => {
    expect(step({ sessionSubject: 'pairwise-of-u' }, { idTokenHintSub: 'pairwise-of-u' })).toBe('issue');
    expect(step({ sessionSubject: 'pairwise-of-u' }, { idTokenHintSub: 'u' })).toBe('login');
    expect(step({ sessionSubject: 'pairwise-of-u' }, { claims: { id_token: { sub: { value: 'pairwise-of-u' } } } })).toBe('issue');
  });

  it('prompt=none never shows a page: any interaction other than sign-in or consent is interaction_required (OIDC Core §3.1.2.6)', () => {
    expect(step({}, { prompt: ['none', 'select_account'] })).toBe('interaction_required');
    expect(step({ session: null }, { prompt: ['none', 'create'] })).toBe('interaction_required');
    expect(step({ session: null }, { prompt: ['none'] })).toBe('login_required');
    expect(step({ consentedScopes: new Set() }, { prompt: ['none'] })).toBe('consent_required');
  });

  it('prompt=create is invalid_request while sign-up is off', () => {
    const ctx = (prompt: string, signupEnabled: boolean) => ({ params: new Map([['prompt', prompt]]), request: {}, signupEnabled });
    expect(() => checkPrompt(ctx('create', true))).not.toThrow();
    expect(() => checkPrompt(ctx('create', false))).toThrow(/not supported/);
    expect(() => checkPrompt(ctx('none create', true))).toThrow(/cannot be combined/);
  });
});
