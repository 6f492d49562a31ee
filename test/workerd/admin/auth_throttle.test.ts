// The admin API: failed authentications are throttled per source IP; the right token never is.
import { describe, expect, it } from 'vitest';
import { ADMIN, fetchOp, freshIp } from '../helpers';

const adminGet = (token: string, ip: string) => fetchOp('/admin/clients', { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip } });

describe('admin API authentication throttle', () => {
  it('10 failures from one IP are 401; the 11th is 429 with Retry-After; the right token from that IP still works', async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) {
      const res = await adminGet(`guess-${i}`, ip);
      expect(res.status).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toContain('Bearer');
    }
    const throttled = await adminGet('guess-again', ip);
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(((await throttled.json()) as { error: string }).error).toBeTruthy();
    // Not one header-less request gets through either.
    expect((await fetchOp('/admin/clients', { headers: { 'CF-Connecting-IP': ip } })).status).toBe(429);
    expect((await adminGet(ADMIN.Authorization.slice('Bearer '.length), ip)).status).toBe(200);
    // Another address is counted apart.
    expect((await adminGet('guess', freshIp())).status).toBe(401);
  }, 30_000);
});
