import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../../src/errors';
import { formParams, parseFormEncoded, queryParams } from '../../../src/http/params';

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof OAuthError ? e.error : 'other';
  }
  return 'none';
};

describe('strict form parsing', () => {
  it('decodes + and percent-escapes', () => {
    const p = parseFormEncoded('scope=openid+email&redirect_uri=https%3A%2F%2Frp%2Fcb%3Fa%3D1');
    expect(p.get('scope')).toBe('openid email');
    expect(p.get('redirect_uri')).toBe('https://rp/cb?a=1');
  });

  it('refuses malformed percent-encoding and invalid UTF-8', () => {
    expect(errorOf(() => parseFormEncoded('client_id=%FF'))).toBe('invalid_request');
    expect(errorOf(() => parseFormEncoded('client_id=%C3%28'))).toBe('invalid_request');
    expect(errorOf(() => parseFormEncoded('%zz=1'))).toBe('invalid_request');
  });

  it('refuses a repeated parameter (RFC 6749 §3.1)', () => {
    expect(errorOf(() => parseFormEncoded('state=a&state=b'))).toBe('invalid_request');
  });

  it('treats empty values as omitted', () => {
    const p = parseFormEncoded('nonce=&state=x&&flag');
    expect(p.has('nonce')).toBe(false);
    expect(p.has('flag')).toBe(false);
    expect(p.get('state')).toBe('x');
  });

  it('reads query strings and ignores fragments', () => {
    expect(queryParams('https://op/authorize?a=1#b=2').get('a')).toBe('1');
    expect(queryParams('https://op/authorize').size).toBe(0);
  });

  it('refuses over-long values', () => {
    expect(errorOf(() => parseFormEncoded(`state=${'x'.repeat(9000)}`))).toBe('invalid_request');
  });

  it('accepts only form-encoded bodies and limits their size', async () => {
    const json = new Request('https://op/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    await expect(formParams(json)).rejects.toMatchObject({ error: 'invalid_request' });
    const big = new Request('https://op/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `a=${'x'.repeat(70_000)}` });
    await expect(formParams(big)).rejects.toMatchObject({ error: 'invalid_request' });
    const ok = new Request('https://op/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: 'grant_type=authorization_code' });
    expect((await formParams(ok)).get('grant_type')).toBe('authorization_code');
  });

  it('reads a body the same with a Content-Length (one native read) and without one (a stream), refusing bad UTF-8 and oversize either way', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const bytes = (s: string | Uint8Array) => (typeof s === 'string' ? new TextEncoder().encode(s) : s);
    // With Content-Length: the declared length frames the body.
    const declared = (body: string | Uint8Array) => {
      const b = bytes(body);
      return new Request('https://op/token', { method: 'POST', headers: { ...form, 'Content-Length': String(b.byteLength) }, body: b });
    };
    // Without: a stream of two chunks, no length known in advance.
    const streamed = (body: string | Uint8Array) => {
      const b = bytes(body);
      const half = Math.floor(b.byteLength / 2);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(b.slice(0, half));
          controller.enqueue(b.slice(half));
          controller.close();
        },
      });
      return new Request('https://op/token', { method: 'POST', headers: form, body: stream, duplex: 'half' } as RequestInit);
    };
    expect(declared('a=b').headers.get('Content-Length')).toBe('3');
    expect(streamed('a=b').headers.get('Content-Length')).toBeNull();
    for (const make of [declared, streamed]) {
      const ok = await formParams(make('grant_type=client_credentials&scope=a%20b&name=%C3%A9t%C3%A9'));
      expect(ok.get('grant_type')).toBe('client_credentials');
      expect(ok.get('scope')).toBe('a b');
      expect(ok.get('name')).toBe('été');
      // 0xC3 0x28 is not UTF-8.
      await expect(formParams(make(new Uint8Array([0x61, 0x3d, 0xc3, 0x28])))).rejects.toMatchObject({ error: 'invalid_request', description: 'request body is not valid UTF-8' });
      await expect(formParams(make(`a=${'x'.repeat(70_000)}`))).rejects.toMatchObject({ error: 'invalid_request', description: 'request body is too large' });
      expect((await formParams(make(''))).size).toBe(0);
    }
  });
});
