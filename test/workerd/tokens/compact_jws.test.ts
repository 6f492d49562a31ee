// src/tokens/compact_jws.ts signs access tokens without jose's SignJWT builder (issue 10, CPU of the
// token endpoint): its output must be exactly what SignJWT gives, and verify with jose.
import { SignJWT, decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { KeyAlg } from '../../../src/keys/types';
import { signCompactJwt } from '../../../src/tokens/compact_jws';
import { signAccessToken, verifyAccessToken } from '../../../src/tokens/access_token';

const ALGS: KeyAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

async function keyOf(alg: KeyAlg) {
  const pair = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { signing: { kid: `kid-${alg}`, alg, key: pair.privateKey }, publicKey: pair.publicKey };
}

const segments = (jwt: string) => jwt.split('.');

describe('compact JWS signing', () => {
  it.each(ALGS)('%s: the header and claims segments are SignJWT\'s, the signature verifies with jose', async (alg) => {
    const { signing, publicKey } = await keyOf(alg);
    const claims = { client_id: 'c1', scope: 'api:read', cnf: { jkt: 'abc' }, iss: 'https://op.example', sub: 'c1', aud: 'https://op.example', jti: 'j1', iat: 1_700_000_000, exp: 1_700_000_300 };
    const mine = await signCompactJwt(signing, 'at+jwt', claims);
    const theirs = await new SignJWT({ client_id: 'c1', scope: 'api:read', cnf: { jkt: 'abc' } })
      .setProtectedHeader({ alg, kid: signing.kid, typ: 'at+jwt' })
      .setIssuer('https://op.example').setSubject('c1').setAudience('https://op.example').setJti('j1').setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_300)
      .sign(signing.key);
    expect(segments(mine).slice(0, 2)).toEqual(segments(theirs).slice(0, 2));
    // RSASSA-PKCS1-v1_5 is deterministic: the whole token is identical.
    if (alg === 'RS256') expect(mine).toBe(theirs);
    const { payload, protectedHeader } = await jwtVerify(mine, publicKey, { currentDate: new Date(1_700_000_100_000), typ: 'at+jwt' });
    expect(protectedHeader).toEqual({ alg, kid: signing.kid, typ: 'at+jwt' });
    expect(payload).toEqual(claims);
    // A changed claim no longer verifies.
    const [h, , s] = segments(mine);
    const forged = `${h}.${segments(await signCompactJwt(signing, 'at+jwt', { ...claims, sub: 'other' }))[1]}.${s}`;
    await expect(jwtVerify(forged, publicKey, { currentDate: new Date(1_700_000_100_000) })).rejects.toThrow();
  });

  it('signAccessToken: RFC 9068 claims in SignJWT\'s order, verified by verifyAccessToken', async () => {
    const { signing, publicKey } = await keyOf('RS256');
    const issuedAt = Math.floor(Date.now() / 1000);
    const input = { issuer: 'https://op.example', subject: 'u1', clientId: 'c1', scope: 'openid', grantId: 'g1', authTime: issuedAt - 5, issuedAt, lifetime: 300, jti: 'fixed-jti', dpopJkt: 'thumb' };
    const token = await signAccessToken(input, signing);
    const expected = await new SignJWT({ client_id: 'c1', scope: 'openid', auth_time: issuedAt - 5, gid: 'g1', cnf: { jkt: 'thumb' } })
      .setProtectedHeader({ alg: 'RS256', kid: signing.kid, typ: 'at+jwt' })
      .setIssuer('https://op.example').setSubject('u1').setAudience('https://op.example/userinfo').setJti('fixed-jti').setIssuedAt(issuedAt).setExpirationTime(issuedAt + 300)
      .sign(signing.key);
    expect(token).toBe(expected);
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    const claims = await verifyAccessToken(token, 'https://op.example', async (kid) => (kid === signing.kid ? publicKey : undefined));
    expect(claims).toMatchObject({ sub: 'u1', client_id: 'c1', gid: 'g1', aud: 'https://op.example/userinfo', exp: issuedAt + 300 });
    // A client_credentials token (no grant) is for the issuer's APIs, with a fresh jti each time.
    const a = await signAccessToken({ ...input, grantId: undefined, authTime: undefined, dpopJkt: undefined, jti: undefined }, signing);
    const b = await signAccessToken({ ...input, grantId: undefined, authTime: undefined, dpopJkt: undefined, jti: undefined }, signing);
    const pa = JSON.parse(atob(segments(a)[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    expect(Object.keys(pa)).toEqual(['client_id', 'scope', 'iss', 'sub', 'aud', 'jti', 'iat', 'exp']);
    expect(pa.aud).toBe('https://op.example');
    expect(segments(a)[1]).not.toBe(segments(b)[1]);
  });
});
