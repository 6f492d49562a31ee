import { describe, expect, it } from 'vitest';
import { decideLogout } from '../../../src/logout/decide';

const session = { sid: 's1', userId: 'u1', authTime: 1, amr: ['pwd'], expiresAt: 9e9, remembered: false };
const hint = (sub: string, sid?: string) => ({ hint: { sub, sid, aud: ['c'] } });

describe('decideLogout (RP-Initiated Logout 1.0 §2)', () => {
  it('ends at once only with a hint for this session and user, and never for a remembered session', () => {
    expect(decideLogout(hint('u1', 's1'), session, 'u1')).toEqual({ step: 'end' });
    expect(decideLogout(hint('u1'), session, 'u1')).toEqual({ step: 'end' });
    expect(decideLogout(hint('u1', 's1'), { ...session, remembered: true }, 'u1')).toEqual({ step: 'confirm' });
  });

  it('asks without a hint, or with a hint for another user or session', () => {
    expect(decideLogout({ hint: null }, session, 'u1')).toEqual({ step: 'confirm' });
    expect(decideLogout(hint('u2', 's1'), session, 'u1')).toEqual({ step: 'confirm' });
    expect(decideLogout(hint('u1', 's2'), session, 'u1')).toEqual({ step: 'confirm' });
  });

  it('compares the hint with the sub the client sees (pairwise), never the internal user id', () => {
    expect(decideLogout(hint('pairwise-sub', 's1'), session, 'pairwise-sub')).toEqual({ step: 'end' });
    expect(decideLogout(hint('u1', 's1'), session, 'pairwise-sub')).toEqual({ step: 'confirm' });
  });

  it('without a session there is nothing to end; only a verified hint lets the client be returned to', () => {
    expect(decideLogout(hint('u1'), null, null)).toEqual({ step: 'nothing', returnToClient: true });
    expect(decideLogout({ hint: null }, null, null)).toEqual({ step: 'nothing', returnToClient: false });
  });
});
