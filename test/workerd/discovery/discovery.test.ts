import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const BASE = 'https://op.example.test';

describe('discovery', () => {
  it('serves required metadata', async () => {
    const res = await exports.default.fetch(`${BASE}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(BASE);
  });
});
