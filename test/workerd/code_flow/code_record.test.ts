import { describe, expect, it } from 'vitest';
import { decideRedemption, type CodeRecord, type RedemptionAttempt } from '../../../src/grants/code_record';

const record: CodeRecord = {
  secretHash: 'h'.repeat(43),
  clientId: 'client-a',
  redirectUri: 'https://rp/cb',
  userId: 'u1',
  sid: 's1',
  scope: 'openid',
  authTime: 1000,
  amr: ['pwd'],
  codeChallenge: 'c'.repeat(43),
  issuedAt: 1000,
  expiresAt: 1060,
};
const attempt: RedemptionAttempt = { secretHash: 'h'.repeat(43), clientId: 'client-a', redirectUri: 'https://rp/cb', verifierChallenge: 'c'.repeat(43), grantId: 'g1', now: 1010 };

describe('decideRedemption', () => {
  it('issues for a matching first redemption', () => {
    expect(decideRedemption(record, attempt).outcome).toBe('issued');
  });

  it('rejects unknown codes, wrong secrets, other clients and expired codes', () => {
    expect(decideRedemption(undefined, attempt)).toMatchObject({ outcome: 'rejected', reason: 'authorization code is invalid' });
    expect(decideRedemption(record, { ...attempt, secretHash: 'x'.repeat(43) }).outcome).toBe('rejected');
    expect(decideRedemption(record, { ...attempt, clientId: 'client-b' }).outcome).toBe('rejected');
    expect(decideRedemption(record, { ...attempt, now: 1060 })).toMatchObject({ outcome: 'rejected', reason: 'authorization code has expired' });
  });

  it('checks redirect_uri and PKCE before treating a used code as replayed', () => {
    expect(decideRedemption(record, { ...attempt, redirectUri: 'https://rp/cb/' }).outcome).toBe('rejected');
    expect(decideRedemption(record, { ...attempt, redirectUri: undefined }).outcome).toBe('rejected');
    expect(decideRedemption(record, { ...attempt, verifierChallenge: undefined }).outcome).toBe('rejected');
    expect(decideRedemption(record, { ...attempt, verifierChallenge: 'd'.repeat(43) }).outcome).toBe('rejected');
    const noPkce = { ...record, codeChallenge: undefined };
    expect(decideRedemption(noPkce, attempt)).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('no code_challenge') });
    expect(decideRedemption(noPkce, { ...attempt, verifierChallenge: undefined }).outcome).toBe('issued');
  });

  it('reports a replay with the grant of the first redemption', () => {
    expect(decideRedemption({ ...record, redeemedGrantId: 'g0' }, attempt)).toMatchObject({ outcome: 'replayed', grantId: 'g0' });
  });
});
