// Issue 9: cross-client confusion. A rotated refresh token replayed by another client, inside the
// reuse interval (where its own client would get the same pair back), is invalid_grant.
import { describe, expect, it } from 'vitest';
import { codeFlow, expectError, expectTokens, refresh, refreshClient, userinfo } from './helpers';

describe('refresh tokens across clients', { timeout: 30_000 }, () => {
  it('a rotated refresh token replayed by another client inside the reuse interval gets invalid_grant and nothing else', async () => {
    const [a, b] = [await refreshClient(), await refreshClient()];
    const { tokens } = await codeFlow(a);
    const rotated = await expectTokens(await refresh(a, tokens.refresh_token!));
    const replay = await refresh(b, tokens.refresh_token!);
    const body = await expectError(replay, 'invalid_grant');
    expect(body).not.toHaveProperty('access_token');
    // The rightful client's newest pair is unaffected, and its own retry still gets the same pair.
    expect((await userinfo(rotated.access_token)).status).toBe(200);
    const retry = await expectTokens(await refresh(a, tokens.refresh_token!));
    expect(retry.refresh_token).toBe(rotated.refresh_token);
    // The newest token is not B's either.
    await expectError(await refresh(b, rotated.refresh_token!), 'invalid_grant');
  });
});
