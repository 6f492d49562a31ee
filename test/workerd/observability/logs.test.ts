// Structured logs (issue 15): one JSON line per request with the route pattern, status, duration,
// request id, client_id and error code; a full flow's logs contain none of the secrets it used.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestLog } from '../../../src/observability/log';
import { runScheduled } from '../../../src/jobs/scheduled';
import { Hono } from 'hono';
import type { AppEnv } from '../../../src/env';
import { ADMIN, basic, createUser, env, fetchOp } from '../helpers';
import { codeFlow, refresh, refreshClient, userinfo } from '../tokens/helpers';

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
});
afterEach(() => vi.restoreAllMocks());

const requestLines = () =>
  lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.type === 'request');

describe('structured request logs', () => {
  it('a full flow: one JSON line per request, with the route pattern; no password, code, token or secret anywhere in the logs', async () => {
    const client = await refreshClient();
    const user = await createUser();
    const { tokens } = await codeFlow(client, { user });
    const res = await refresh(client, tokens.refresh_token!);
    const refreshed = (await res.json()) as { access_token: string; refresh_token: string; id_token: string };
    expect((await userinfo(refreshed.access_token)).status).toBe(200);
    const bad = await fetchOp('/token', { method: 'POST', headers: { Authorization: basic(client), 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=nope&redirect_uri=https://rp.example.test/cb' });
    expect(bad.status).toBe(400);

    const secrets = [user.password, client.client_secret!, tokens.access_token, tokens.refresh_token!, tokens.id_token!, refreshed.access_token, refreshed.refresh_token, refreshed.id_token, ADMIN.Authorization.slice(7)];
    const all = lines.join('\n');
    for (const s of secrets) expect(all.includes(s), `a secret in the logs: ${s.slice(0, 8)}…`).toBe(false);
    // The authorization code appeared in a redirect; the log has the pattern, never the query.
    expect(all).not.toMatch(/[?&]code=/);
    expect(all).not.toContain('state-123');

    const logged = requestLines();
    const tokenLines = logged.filter((l) => l.route === '/token');
    expect(tokenLines.length).toBe(3);
    for (const l of tokenLines) {
      expect(l).toMatchObject({ method: 'POST', client_id: client.client_id });
      expect(typeof l.duration_ms).toBe('number');
      expect(l.request_id).toMatch(/^[\w-]{8,}$/);
    }
    expect(tokenLines.map((l) => l.status)).toEqual([200, 200, 400]);
    expect(tokenLines[2]).toMatchObject({ error: 'invalid_grant' });
    expect(logged.find((l) => l.route === '/authorize')).toMatchObject({ method: 'GET', status: 302 });
    expect(logged.some((l) => typeof l.route === 'string' && (l.route as string).startsWith('/interaction/:'))).toBe(true);
    expect(logged.find((l) => l.route === '/userinfo')).toMatchObject({ status: 200 });
    expect(logged.find((l) => (l.route as string).startsWith('/admin/users'))).toMatchObject({ method: 'POST', status: 201 });
  });

  it('the request id is cf-ray when present', async () => {
    await fetchOp('/.well-known/openid-configuration', { headers: { 'cf-ray': '8f00aa11bb22cc33-AMS' } });
    expect(requestLines().find((l) => l.request_id === '8f00aa11bb22cc33-AMS')).toMatchObject({ route: '/.well-known/openid-configuration', status: 200 });
  });

  it('an unknown path is logged as unmatched, never the path', async () => {
    await fetchOp('/no-such-thing/secret-looking-path');
    const line = requestLines().at(-1)!;
    expect(line).toMatchObject({ route: 'unmatched', status: 404 });
    expect(lines.join('\n')).not.toContain('secret-looking-path');
  });

  it('the cron run is one JSON line', async () => {
    await runScheduled(env);
    const cron = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.type === 'cron');
    expect(cron).toHaveLength(1);
    expect(cron[0]).toMatchObject({ ok: true, housekeeping: { finished: true } });
    expect(typeof cron[0].duration_ms).toBe('number');
  });
});

describe('metrics (Workers Analytics Engine)', () => {
  it('writes one data point per request with route, method, status and latency when METRICS is bound; nothing breaks without it', async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const app = new Hono<AppEnv>();
    app.use('*', requestLog);
    app.get('/x/:id', (c) => c.text('ok'));
    const dataset = { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p!) } as AnalyticsEngineDataset;
    expect((await app.request('/x/42', {}, { METRICS: dataset } as never)).status).toBe(200);
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ indexes: ['request'], blobs: ['request', '/x/:id', 'GET', '200', ''] });
    expect(points[0]!.doubles![0]).toBe(1);
    expect((await app.request('/x/42', {}, {} as never)).status).toBe(200);
  });
});
