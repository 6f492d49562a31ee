import { describe, expect, it } from 'vitest';
import { createClient, fetchOp } from '../helpers';

describe('CORS for browser-based public clients', () => {
  it('answers preflights for the request shape; responses are readable only from origins of public clients, never for confidential clients', async () => {
    await createClient({ token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.example.test/cb'] });
    const confidential = await createClient({ redirect_uris: ['https://backend.example.test/cb'] });
    for (const path of ['/token', '/userinfo', '/revoke']) {
      const ok = await fetchOp(path, { method: 'OPTIONS', headers: { Origin: 'https://spa.example.test', 'Access-Control-Request-Method': 'POST' } });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('Access-Control-Allow-Origin')).toBe('https://spa.example.test');
      // A preflight needs no lookup (issue 10): it only lets the browser send; the real response decides.
      const other = await fetchOp(path, { method: 'OPTIONS', headers: { Origin: 'https://backend.example.test', 'Access-Control-Request-Method': 'POST' } });
      expect(other.status).toBe(204);
      const real = await fetchOp(path, { method: 'POST', headers: { Origin: 'https://backend.example.test', 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
      expect(real.headers.get('Access-Control-Allow-Origin')).toBeNull();
    }
    // An error answer to the SPA is readable by it.
    const err = await fetchOp('/userinfo', { headers: { Origin: 'https://spa.example.test' } });
    expect(err.status).toBe(401);
    expect(err.headers.get('Access-Control-Allow-Origin')).toBe('https://spa.example.test');
    // A confidential client's token response never carries CORS headers, even from an allowed origin.
    const basic = `Basic ${btoa(`${confidential.client_id}:${confidential.client_secret}`)}`;
    const res = await fetchOp('/token', {
      method: 'POST',
      headers: { Origin: 'https://spa.example.test', Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=x',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
