import { describe, expect, it } from 'vitest';
import { mayConcernApi, parseResource, selectApi } from '../../../src/grants/resource';
import { apiTable, type Api } from '../../../src/storage/apis';

const api = (identifier: string, scopes: string[]): Api => ({ identifier, name: identifier, scopes, accessTokenTtl: null, signingAlg: null, clientId: `api_${identifier.length}`, secretHash: 'x', createdAt: 0, updatedAt: 0 });
const table = apiTable([api('https://a.example/', ['a:read', 'a:write']), api('urn:example:b', ['b:read'])]);

/** The pure rules of RFC 8707 resource selection (src/grants/resource.ts). */
describe('resource rules', () => {
  it('parseResource: absolute URIs without fragment (RFC 8707 §2); anything else invalid_target', () => {
    expect(parseResource(undefined)).toBeUndefined();
    expect(parseResource('https://a.example/')).toBe('https://a.example/');
    expect(parseResource('urn:example:b')).toBe('urn:example:b');
    for (const bad of ['/relative', 'a.example', 'https://a.example/#', 'https://a.example/#x', '']) {
      expect(() => parseResource(bad), bad).toThrow(expect.objectContaining({ error: 'invalid_target' }));
    }
  });

  it('selectApi: the named API and only its scopes; none of them, or an unknown API, is invalid_target', () => {
    expect(selectApi(table, 'https://a.example/', ['openid', 'a:read', 'b:read'])).toEqual({ api: table.byIdentifier.get('https://a.example/'), scopes: ['a:read'] });
    expect(() => selectApi(table, 'urn:example:b', ['openid', 'a:read'])).toThrow(expect.objectContaining({ error: 'invalid_target' }));
    expect(() => selectApi(table, 'https://c.example/', ['a:read'])).toThrow(expect.objectContaining({ error: 'invalid_target' }));
  });

  it('selectApi without resource: unchanged within one API, invalid_target across two', () => {
    expect(selectApi(table, undefined, ['openid', 'a:read', 'a:write'])).toEqual({ api: null, scopes: ['openid', 'a:read', 'a:write'] });
    expect(selectApi(table, undefined, ['openid', 'email'])).toEqual({ api: null, scopes: ['openid', 'email'] });
    expect(() => selectApi(table, undefined, ['a:read', 'b:read'])).toThrow(expect.objectContaining({ error: 'invalid_target' }));
  });

  it('the table is read only when a request could concern an API', () => {
    expect(mayConcernApi(undefined, ['openid', 'profile', 'email', 'offline_access'])).toBe(false);
    expect(mayConcernApi(undefined, ['openid', 'a:read'])).toBe(true);
    expect(mayConcernApi('https://a.example/', ['openid'])).toBe(true);
  });
});
